// The audit event key: an Ed25519 key outside the database (a systemd
// credential on the appliance, a 0600 file under KASTELL_DATA_DIR/keys on the
// embedded default). With it
//   * the writer signs every event (Ed25519 over the canonical encoding,
//     with the key's id): anyone with the public key checks it, offline too;
//   * the sequencer seals every link (HMAC-SHA-256 under a key derived from
//     the private key, over seq, previous hash, hash and chaining time) once
//     the event's signature verified: `kastell audit verify` then checks one
//     cheap MAC per link instead of one Ed25519 verification per event.
// A database superuser has neither key: an event or link they add, reorder
// or rehash carries no valid signature or seal.
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalEvent, type ChainedEvent } from './canonical.ts';

export interface EventKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** HMAC key for link seals, derived from the private key */
  linkKey: Buffer;
}

/** What verification needs: public keys for event signatures, link keys for seals, by key id. */
export interface EventKeyring {
  current: EventKey;
  publicKeys: Map<string, KeyObject>;
  publicKeyPems: Map<string, string>;
  linkKeys: Map<string, Buffer>;
}

/** First 16 hex digits of SHA-256 over the public key (SubjectPublicKeyInfo, DER). */
export function eventKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function eventKeyFromPem(pem: string): EventKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the audit event key must be an Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  const raw = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const linkKey = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'kastell-audit-link-seal/1', 32));
  return { keyId: eventKeyId(publicKey), privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, linkKey };
}

export function generateEventKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

const pemBlocks = (text: string) => text.match(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/g) ?? [];

export const eventKeyFile = (keysDir: string) => join(keysDir, 'audit-event.key');
export const retiredEventKeysDir = (keysDir: string) => join(keysDir, 'audit-event-retired');

/**
 * From the environment/credential (KASTELL_AUDIT_EVENT_KEY, and
 * KASTELL_AUDIT_EVENT_KEYS_RETIRED), else keysDir/audit-event.key (made at
 * first run) and keysDir/audit-event-retired/*.key.
 */
export function loadEventKeyring(options: { eventKeyPem: string | undefined; retiredEventKeysPem: string | undefined; keysDir: string }): EventKeyring {
  let pem = options.eventKeyPem;
  const retired: string[] = pemBlocks(options.retiredEventKeysPem ?? '');
  if (!pem) {
    const file = eventKeyFile(options.keysDir);
    if (!existsSync(file)) {
      mkdirSync(options.keysDir, { recursive: true, mode: 0o700 });
      writeFileSync(file, generateEventKeyPem(), { mode: 0o600, flag: 'wx' });
    }
    pem = readFileSync(file, 'utf8');
  }
  const dir = retiredEventKeysDir(options.keysDir);
  if (!options.retiredEventKeysPem && existsSync(dir)) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.key')).sort()) retired.push(...pemBlocks(readFileSync(join(dir, name), 'utf8')));
  }
  const current = eventKeyFromPem(pem);
  const keyring: EventKeyring = { current, publicKeys: new Map(), publicKeyPems: new Map(), linkKeys: new Map() };
  for (const key of [current, ...retired.map(eventKeyFromPem)]) {
    keyring.publicKeys.set(key.keyId, key.publicKey);
    keyring.publicKeyPems.set(key.keyId, key.publicKeyPem);
    keyring.linkKeys.set(key.keyId, key.linkKey);
  }
  return keyring;
}

/** Retires the current key file (kept under audit-event-retired/ for what it signed) and makes a new one. */
export function rotateEventKeyFile(keysDir: string): { retired: string; current: string } {
  const file = eventKeyFile(keysDir);
  const old = eventKeyFromPem(readFileSync(file, 'utf8'));
  const dir = retiredEventKeysDir(keysDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, `${old.keyId}.key`), readFileSync(file, 'utf8'), { mode: 0o600, flag: 'wx' });
  const fresh = generateEventKeyPem();
  writeFileSync(file + '.new', fresh, { mode: 0o600 });
  renameSync(file + '.new', file); // never a moment without a key file
  return { retired: old.keyId, current: eventKeyFromPem(fresh).keyId };
}

/** What an event signature covers: a fixed prefix, the key id, the canonical event. */
export function eventSigningInput(keyId: string, event: ChainedEvent): Buffer {
  return Buffer.from(`kastell-audit-event/1\n${keyId}\n${canonicalEvent(event)}`);
}

export function signEvent(key: EventKey, event: ChainedEvent): Buffer {
  return sign(null, eventSigningInput(key.keyId, event), key.privateKey);
}

export type EventSignatureCheck = 'valid' | 'unsigned' | 'unknown-key' | 'invalid';

export function checkEventSignature(publicKeys: ReadonlyMap<string, KeyObject>, event: ChainedEvent, keyId: string | null, signature: Buffer | null): EventSignatureCheck {
  if (!keyId || !signature) return 'unsigned';
  const key = publicKeys.get(keyId);
  if (!key) return 'unknown-key';
  return signature.length === 64 && verify(null, eventSigningInput(keyId, event), key, signature) ? 'valid' : 'invalid';
}

/** The seal of one link: HMAC over seq, previous hash, hash (hex) and the chaining time (microseconds, UTC). */
export function linkSeal(linkKey: Buffer, seq: number | bigint | string, prevHex: string, hashHex: string, chainedAt: string): Buffer {
  return createHmac('sha256', linkKey).update(`kastell-audit-link/1\n${seq}\n${prevHex}\n${hashHex}\n${chainedAt}`).digest();
}

export function sealMatches(linkKey: Buffer | undefined, seq: number | string, prevHex: string, hashHex: string, chainedAt: string, macHex: string | null): boolean {
  if (!linkKey || !macHex || macHex.length !== 64) return false;
  return timingSafeEqual(linkSeal(linkKey, seq, prevHex, hashHex, chainedAt), Buffer.from(macHex, 'hex'));
}

/** A Date as the database's canonical text: 2026-01-31T23:59:59.123000Z (what to_char(…'US') gives). */
export function microsecondIso(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** RFC 9562 UUID version 7 (time-ordered), as app.uuidv7() makes them in the database. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
