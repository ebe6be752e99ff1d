// What the lint must refuse (test/foundation/lint.test.ts lints this file
// and expects each rule below to fire once). Never imported.
import { exec } from 'node:child_process';

export async function runUnsafe(expression: string, command: string, token: string, given: string): Promise<boolean> {
  eval(expression); // no-eval + security/detect-eval-with-expression
  exec(command); // security/detect-child-process
  Promise.resolve(expression); // @typescript-eslint/no-floating-promises
  await 1; // @typescript-eslint/await-thenable
  if (token === given) return true; // security/detect-possible-timing-attacks
  return /^(a+)+$/.test(given); // security/detect-unsafe-regex
}
