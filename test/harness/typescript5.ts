// Tools that read TypeScript through the compiler's JavaScript API
// (dependency-cruiser, typescript-eslint) cannot use TypeScript 7, the native
// compiler this project type-checks with: its npm package has no such API.
// The lock file pins typescript 5 as `typescript5`; a package resolves
// `typescript` from its own node_modules folder first, so a link there makes
// it find 5 while everything else keeps 7.
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** Link node_modules/<pkg>/node_modules/typescript to node_modules/typescript5. */
export function linkTypeScript5(pkg: string): void {
  const link = join(root, 'node_modules', pkg, 'node_modules', 'typescript');
  const target = relative(dirname(link), join(root, 'node_modules', 'typescript5'));
  if (existsSync(link) || isSymlink(link)) {
    if (isSymlink(link) && readlinkSync(link) === target) return;
    rmSync(link, { recursive: true, force: true });
  }
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
