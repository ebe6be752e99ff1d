// Documents and report PDFs are encrypted per company before they reach the
// object store, so MinIO, the local disk and every backup of them hold
// ciphertext only. The format is the AWS Encryption SDK's framed message
// (@aws-crypto/encrypt-node, decrypt-node; raw AES keyring, offline): a data
// key per object (HKDF, key commitment) wrapped by the company's data key,
// body in 1 MiB authenticated frames with sequence numbers and a final
// frame, so a truncated, reordered or altered object fails to decrypt. The
// object key is in the (authenticated) encryption context: an object copied
// under another key fails too.
//
// Stored object: `kastell-object v1 <keyId>\n` then the SDK message. The key
// id says which data key to ask the keyring for; the SDK checks that it is
// the one that wrapped the object's key. An object without that line was
// stored before encryption and is passed through as it is.
import { PassThrough, Readable, Transform, pipeline } from 'node:stream';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, CommitmentPolicy } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import type { DocumentStore, ObjectInfo } from '../storage/store.ts';
import { OPERATOR, type Keyring } from './keyring.ts';

const { encryptStream } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
// unsigned messages only: frames are released as each is authenticated (a signed suite would hold the whole body)
const { decryptUnsignedMessageStream } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

const magic = 'kastell-object v1 ';
export const frameLength = 1024 * 1024;

function sdkKeyring(keyId: string, key: Buffer): RawAesKeyringNode {
  return new RawAesKeyringNode({
    keyName: keyId, keyNamespace: 'kastell', unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}

/** The stored form of `plain` under `owner`'s current key. */
export function encryptObject(keyring: Keyring, owner: string, objectKey: string, plain: Readable): Readable {
  const dataKey = keyring.active(owner);
  // room for four frames: the SDK encrypts the next frames while the store still writes this one (encryption overlaps the write)
  const out = new PassThrough({ highWaterMark: 4 * frameLength });
  out.write(`${magic}${dataKey.keyId}\n`);
  const sealing = encryptStream(sdkKeyring(dataKey.keyId, dataKey.key), {
    suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
    encryptionContext: { object: objectKey },
    frameLength,
  });
  pipeline(plain, sealing, out, () => {}); // an error ends `out` with it
  return out;
}

/** Reads up to the key id line without consuming more; what follows is put back (unshift). */
async function splitHeader(stored: Readable): Promise<{ keyId: string | undefined; rest: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < magic.length + 64) {
    const chunk = stored.read() as Buffer | null;
    if (chunk === null) {
      if (stored.readableEnded || stored.destroyed) break;
      await new Promise<void>((resolve, reject) => {
        const done = () => { stored.off('readable', done); stored.off('end', done); stored.off('error', fail); resolve(); };
        const fail = (err: Error) => { stored.off('readable', done); stored.off('end', done); stored.off('error', fail); reject(err); };
        stored.on('readable', done); stored.on('end', done); stored.on('error', fail);
      });
      continue;
    }
    chunks.push(chunk);
    length += chunk.length;
    if (chunk.includes(0x0a)) break;
  }
  const head = Buffer.concat(chunks);
  const isOurs = head.subarray(0, magic.length).equals(Buffer.from(magic));
  const end = head.indexOf(0x0a);
  // a short object may have ended already: nothing can be put back into an ended stream
  const ended = stored.readableEnded;
  if (!isOurs) {
    if (ended) return { keyId: undefined, rest: Readable.from(head.length ? [head] : []) };
    if (head.length) stored.unshift(head);
    return { keyId: undefined, rest: stored };
  }
  if (end < 0) throw new Error('stored object: the key id line is not terminated');
  if (ended) return { keyId: head.subarray(magic.length, end).toString('ascii'), rest: Readable.from([head.subarray(end + 1)]) };
  if (end + 1 < head.length) stored.unshift(head.subarray(end + 1));
  return { keyId: head.subarray(magic.length, end).toString('ascii'), rest: stored };
}

/** The plain bytes of a stored object; the stream errors when the object is not whole and unaltered. */
export async function decryptObject(keyring: Keyring, objectKey: string, stored: Readable): Promise<Readable> {
  const { keyId, rest } = await splitHeader(stored);
  if (keyId === undefined) return rest; // stored before encryption
  const dataKey = keyring.byKeyId(keyId);
  const opening = decryptUnsignedMessageStream(sdkKeyring(dataKey.keyId, dataKey.key));
  const checked = new Transform({
    highWaterMark: 4 * frameLength, // room for the next frames while the reader takes this one (decryption overlaps the reader)
    transform(chunk, _encoding, done) { done(null, chunk); },
  });
  opening.once('MessageHeader', (header: { encryptionContext: Record<string, string> }) => {
    if (header.encryptionContext.object !== objectKey) checked.destroy(new Error(`stored object ${objectKey} was encrypted as another object`));
  });
  pipeline(rest, opening, checked, () => {});
  return checked;
}

export interface EncryptingStore extends DocumentStore {
  readonly inner: DocumentStore;
}

/**
 * Wraps any store adapter: put encrypts under the owner's key (the
 * operator's when none is named), get decrypts. `size` of put is the plain
 * size and is not passed on (the stored size differs); stat answers the
 * stored size.
 */
export function encryptingStore(inner: DocumentStore, keyring: Keyring): EncryptingStore {
  return {
    inner,
    kind: inner.kind,
    async put(key, body, _size, owner): Promise<ObjectInfo> {
      return inner.put(key, encryptObject(keyring, owner ?? OPERATOR, key, body));
    },
    async replace(key, body, owner): Promise<ObjectInfo> {
      return inner.replace(key, encryptObject(keyring, owner ?? OPERATOR, key, body));
    },
    async get(key) {
      return decryptObject(keyring, key, await inner.get(key));
    },
    stat: (key) => inner.stat(key),
    remove: (key) => inner.remove(key),
    ping: () => inner.ping(),
  };
}
