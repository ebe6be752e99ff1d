// Keys that live outside the database: the HMAC key for IP and user-agent
// hashes, and the OpenPGP key that signs checkpoints and exports. From the
// environment or systemd credentials in production; generated once under
// KASTELL_DATA_DIR/keys (mode 0600) on the embedded default. The audit
// event key is event-key.ts's.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import type { Config } from '../config.ts';
import { loadEventKeyring, type EventKeyring } from './event-key.ts';

export interface AuditKeys {
  hmacKey: Buffer;
  signingKey: openpgp.PrivateKey;
  publicKeyArmored: string;
  /** the Ed25519 audit event key (signs events, seals links) and the retired ones */
  events: EventKeyring;
}

export async function loadAuditKeys(audit: Config['audit']): Promise<AuditKeys> {
  const hmacKey = audit.hmacKey ?? readOrCreate(join(audit.keysDir, 'audit-hmac.key'), () => randomBytes(32).toString('base64'), 'base64');
  let armored = audit.signingKeyArmored;
  if (!armored) {
    const file = join(audit.keysDir, 'audit-signing.key.asc');
    if (!existsSync(file)) {
      const { privateKey } = await openpgp.generateKey({
        type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Kastell audit signer' }], format: 'armored',
      });
      writeSecret(file, privateKey);
    }
    armored = readFileSync(file, 'utf8');
  }
  const signingKey = await openpgp.readPrivateKey({ armoredKey: armored });
  const events = loadEventKeyring(audit);
  return { hmacKey, signingKey, publicKeyArmored: signingKey.toPublic().armor(), events };
}

function readOrCreate(file: string, create: () => string, encoding: 'base64'): Buffer {
  if (!existsSync(file)) writeSecret(file, create());
  return Buffer.from(readFileSync(file, 'utf8').trim(), encoding);
}

function writeSecret(file: string, content: string): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
}

export async function signText(key: openpgp.PrivateKey, text: string): Promise<string> {
  const message = await openpgp.createMessage({ text });
  return openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored' }) as Promise<string>;
}

export async function verifyTextSignature(publicKeyArmored: string, text: string, signatureArmored: string): Promise<boolean> {
  try {
    const verificationKeys = await openpgp.readKey({ armoredKey: publicKeyArmored });
    const signature = await openpgp.readSignature({ armoredSignature: signatureArmored });
    const message = await openpgp.createMessage({ text });
    const result = await openpgp.verify({ message, signature, verificationKeys });
    await result.signatures[0]!.verified;
    return true;
  } catch {
    return false;
  }
}

/** A detached signature over exact bytes (a binary signature: a changed line ending fails too). */
export async function signBytes(key: openpgp.PrivateKey, bytes: Uint8Array): Promise<string> {
  const message = await openpgp.createMessage({ binary: bytes });
  return openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored' }) as Promise<string>;
}

export async function verifyBytesSignature(publicKeyArmored: string, bytes: Uint8Array, signatureArmored: string): Promise<boolean> {
  try {
    const verificationKeys = await openpgp.readKey({ armoredKey: publicKeyArmored });
    const signature = await openpgp.readSignature({ armoredSignature: signatureArmored });
    const message = await openpgp.createMessage({ binary: bytes });
    const result = await openpgp.verify({ message, signature, verificationKeys });
    await result.signatures[0]!.verified;
    return true;
  } catch {
    return false;
  }
}

/** The OpenPGP cleartext signature framework (RFC 9580 §7), as RFC 9116 asks of security.txt. */
export async function signCleartext(key: openpgp.PrivateKey, text: string): Promise<string> {
  const message = await openpgp.createCleartextMessage({ text });
  return openpgp.sign({ message, signingKeys: key, format: 'armored' });
}

/** The signed text of a cleartext-signed message when the signature holds, else undefined. */
export async function verifyCleartext(publicKeyArmored: string, signed: string): Promise<string | undefined> {
  try {
    const verificationKeys = await openpgp.readKey({ armoredKey: publicKeyArmored });
    const message = await openpgp.readCleartextMessage({ cleartextMessage: signed });
    const result = await openpgp.verify({ message, verificationKeys });
    await result.signatures[0]!.verified;
    return result.data;
  } catch {
    return undefined;
  }
}
