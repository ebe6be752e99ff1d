// The release's own signature. ops/build-release signs what it writes into
// release/ — the SBOM (sbom.cdx.json) and the dependency-advisory check
// (advisories.json) — with the controller's release-signing OpenPGP key: a
// detached binary signature beside each (sbom.cdx.json.asc,
// advisories.json.asc) and the public key as release/release-key.asc. The
// private key lives on the controller only, at KASTELL_RELEASE_SIGNING_KEY
// (default ~/.config/kastell/release-signing-key.asc), never in the source
// tree or the archive; `kastell release keygen` makes it once.
//
// Where the files are read (the trust page's advisory figure, `kastell
// advisories show`, `kastell release verify`, the evidence pack) the
// signature is checked with the key the installation pins —
// KASTELL_RELEASE_PUBLIC_KEY, which the appliance role installs from the
// controller's copy beside the archive, so a changed archive cannot bring a
// key of its own — or, where nothing is pinned, the key the release ships.
// Fail closed: a file without a signature, with one that does not verify, or
// with no key to check it is "unverified" and its content is not shown.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import * as openpgp from 'openpgp';
import { signBytes, verifyBytesSignature } from '../audit/keys.ts';

export const releaseKeyName = 'release-key.asc';
/** the files ops/build-release signs, by their name in release/ */
export const signedReleaseFiles = ['sbom.cdx.json', 'advisories.json'] as const;
export const signatureOf = (path: string) => `${path}.asc`;

/** Where the controller keeps the private key: KASTELL_RELEASE_SIGNING_KEY, else under the user's config directory. */
export function releaseSigningKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KASTELL_RELEASE_SIGNING_KEY) return resolve(env.KASTELL_RELEASE_SIGNING_KEY);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'kastell', 'release-signing-key.asc');
}

const inside = (path: string, dir: string) => {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
};

/** Refuses a key path inside any of `trees` (the source tree, the release being built): the private key never travels. */
export function assertKeyOutside(keyPath: string, trees: string[]): void {
  for (const tree of trees) {
    if (inside(keyPath, tree)) throw new Error(`the release-signing key ${keyPath} is inside ${tree}: keep it outside the source tree and the release (KASTELL_RELEASE_SIGNING_KEY)`);
  }
}

/** The private key at `path`; made (Ed25519, mode 0600 in a 0700 directory) when absent and `create` is set. */
export async function loadReleaseSigningKey(path: string, create: boolean): Promise<{ key: openpgp.PrivateKey; created: boolean }> {
  let created = false;
  if (!existsSync(path)) {
    if (!create) throw new Error(`no release-signing key at ${path} (make one with kastell release keygen, or set KASTELL_RELEASE_SIGNING_KEY)`);
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Kastell release signer' }], format: 'armored',
    });
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, privateKey, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  return { key: await openpgp.readPrivateKey({ armoredKey: readFileSync(path, 'utf8') }), created };
}

/** Signs each of the release's files that exists and writes the public key beside them; returns the names signed. */
export async function signRelease(releaseDir: string, key: openpgp.PrivateKey): Promise<string[]> {
  const signed: string[] = [];
  for (const name of signedReleaseFiles) {
    const path = join(releaseDir, name);
    if (!existsSync(path)) continue;
    writeFileSync(signatureOf(path), await signBytes(key, readFileSync(path)));
    signed.push(name);
  }
  writeFileSync(join(releaseDir, releaseKeyName), key.toPublic().armor());
  return signed;
}

export interface ReleaseKey { path: string; armored: string | null; pinned: boolean }

/** The key that checks the release: the pinned one (KASTELL_RELEASE_PUBLIC_KEY) or the release's own. */
export function readReleaseKey(releaseDir: string, pinnedPath: string | undefined): ReleaseKey {
  const path = pinnedPath ?? join(releaseDir, releaseKeyName);
  return { path, armored: existsSync(path) ? readFileSync(path, 'utf8') : null, pinned: pinnedPath !== undefined };
}

export type SignatureVerdict =
  | { state: 'verified'; keyPath: string; pinned: boolean; fingerprint: string }
  | { state: 'unverified'; keyPath: string; reason: string };

/** Checks `bytes` (the file at `path`) against its detached signature beside it with `key`. */
export async function verifyReleaseFile(path: string, bytes: Uint8Array, key: ReleaseKey): Promise<SignatureVerdict> {
  const fail = (reason: string): SignatureVerdict => ({ state: 'unverified', keyPath: key.path, reason });
  if (key.armored === null) return fail(`there is no release key to check it with (${key.path} does not exist)`);
  const sigPath = signatureOf(path);
  if (!existsSync(sigPath)) return fail(`it carries no signature (${sigPath} does not exist)`);
  if (!(await verifyBytesSignature(key.armored, bytes, readFileSync(sigPath, 'utf8')))) {
    return fail(`its signature (${sigPath}) does not verify with the release key ${key.path}: the file was changed after it was signed, or signed by another key`);
  }
  let fingerprint = '';
  try {
    fingerprint = (await openpgp.readKey({ armoredKey: key.armored })).getFingerprint().toUpperCase();
  } catch { /* verified above with the same key */ }
  return { state: 'verified', keyPath: key.path, pinned: key.pinned, fingerprint };
}
