// AES-256-GCM for secrets the server must read back (TOTP secrets), in the
// wire format `v2:keyId:iv:tag:ct` (base64url parts). The key comes from
// configuration (KASTELL_SECRET_KEY, e.g. a systemd credential); without one
// the embedded default keeps a generated key in <data dir>/secret.key (0600).
// The key is never in the database.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';

export interface SecretBox {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

export function loadSecretKey(config: Config): { keyId: string; key: Buffer } {
  if (config.identity.secretKey) return { keyId: config.identity.secretKeyId, key: config.identity.secretKey };
  const file = join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return { keyId: 'local', key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64') };
}

/** A box that loads its key on first use (so building the app never touches the data dir). */
export function createLazySecretBox(load: () => { keyId: string; key: Buffer }): SecretBox {
  let box: SecretBox | undefined;
  const get = () => (box ??= createSecretBox(load()));
  return { seal: (plain, context) => get().seal(plain, context), open: (sealed, context) => get().open(sealed, context) };
}

/** `context` (e.g. the user id) is bound as additional data: a ciphertext moved to another row does not open. */
export function createSecretBox(keys: { keyId: string; key: Buffer }): SecretBox {
  if (keys.key.length !== 32) throw new Error('The secret key must be 32 bytes.');
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.key, iv);
      cipher.setAAD(Buffer.from(context));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v2', keys.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(':');
    },
    open(sealed, context) {
      const [version, keyId, iv, tag, ct] = sealed.split(':');
      if (version !== 'v2' || !iv || !tag || ct === undefined) throw new Error('not a v2 sealed secret');
      if (keyId !== keys.keyId) throw new Error(`sealed under key "${keyId}", which is not loaded`);
      const decipher = createDecipheriv('aes-256-gcm', keys.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The box the application uses: seals under the operator's data key in the
 * keyring (app/crypto/keyring.ts); still opens values sealed under the old
 * installation key (KASTELL_SECRET_KEY / secret.key) until the
 * re-encryption worker has moved them (`kastell keys reencrypt`).
 */
export function createKeyringBox(keyring: { seal(owner: string, plain: string, aad: string): string; open(sealed: string, aad: string): string }, legacyKeyIds: string[], legacy: () => { keyId: string; key: Buffer }): SecretBox & { isLegacy(sealed: string): boolean } {
  const old = createLazySecretBox(legacy);
  // 'local' is the id the generated secret.key always had
  const isLegacy = (sealed: string) => ['local', ...legacyKeyIds].includes(sealed.split(':')[1] ?? '');
  return {
    seal: (plain, context) => keyring.seal('operator', plain, context),
    open: (sealed, context) => (isLegacy(sealed) ? old.open(sealed, context) : keyring.open(sealed, context)),
    isLegacy,
  };
}

/** The application's box from its configuration: the keyring's operator key, and the old installation key for what it sealed. */
export function keyringBoxFromConfig(config: Config, keyring: Parameters<typeof createKeyringBox>[0]): ReturnType<typeof createKeyringBox> {
  return createKeyringBox(keyring, [config.identity.secretKeyId], () => loadSecretKey(config));
}

/** The ids of the old installation key ('local' is the one a generated secret.key always had). */
export const installationKeyIds = (config: Config): string[] => ['local', config.identity.secretKeyId];
