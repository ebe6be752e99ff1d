// The report seal: a PAdES (ETSI.CAdES.detached, B-B) signature made with the
// installation's report-sealing key, and its offline check. The key and its
// self-signed certificate live outside the database like the other keys:
// from the environment / systemd credentials (KASTELL_REPORT_SEAL_KEY,
// KASTELL_REPORT_SEAL_CERT, PEM), else generated once under the keys folder.
// Signing is @libpdf/core's (it writes the CAdES signed attributes PAdES
// needs); verification is pkijs' SignedData.verify, which @libpdf/core
// itself builds on, over the byte range the signature dictionary names.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CryptoKeySigner, PDF } from '@libpdf/core';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export interface SealKey {
  signer: CryptoKeySigner;
  certificatePem: string;
  certificateDer: Uint8Array;
  /** SHA-256 of the certificate (DER), hex: what the trust page and `kastell report verify` print */
  fingerprint: string;
}

export interface SealKeySource {
  keyPem: string | undefined;
  certificatePem: string | undefined;
  keysDir: string;
  organisation: string;
}

const sha256Oid = '2.16.840.1.101.3.4.2.1';
const messageDigestOid = '1.2.840.113549.1.9.4';
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** The installation's sealing key: given, or made at first run (key 0600, valid 30 years: reports are kept 10). */
export async function loadSealKey(source: SealKeySource): Promise<SealKey> {
  let keyPem = source.keyPem;
  let certificatePem = source.certificatePem;
  if (!keyPem || !certificatePem) {
    const keyFile = join(source.keysDir, 'report-seal.key.pem');
    const certificateFile = join(source.keysDir, 'report-seal.cert.pem');
    if (!existsSync(keyFile)) {
      const made = await makeSealKey(source.organisation);
      mkdirSync(source.keysDir, { recursive: true, mode: 0o700 });
      writeFileSync(certificateFile, made.certificatePem, { mode: 0o644 });
      writeFileSync(keyFile, made.keyPem, { mode: 0o600, flag: 'wx' });
    }
    keyPem = readFileSync(keyFile, 'utf8');
    certificatePem = readFileSync(certificateFile, 'utf8');
  }
  const privateKey = await crypto.subtle.importKey('pkcs8', new Uint8Array(pemBody(keyPem)), ecdsa, false, ['sign']);
  const der = certificateDer(certificatePem);
  return {
    signer: new CryptoKeySigner(privateKey, der, 'EC', 'ECDSA'),
    certificatePem,
    certificateDer: der,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

/** The installation's certificate (DER) without its key, for checking; never creates one. */
export function readSealCertificate(source: Pick<SealKeySource, 'certificatePem' | 'keysDir'>): Uint8Array {
  const file = join(source.keysDir, 'report-seal.cert.pem');
  const pem = source.certificatePem ?? (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  if (!pem) throw new Error(`no report-sealing certificate: set KASTELL_REPORT_SEAL_CERT or look in ${file}`);
  return certificateDer(pem);
}

/** A P-256 key and a self-signed certificate for it (pkijs builds and signs the X.509 structure). */
export async function makeSealKey(organisation: string): Promise<{ keyPem: string; certificatePem: string }> {
  const keys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']) as CryptoKeyPair;
  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0]! &= 0x7f; // a positive INTEGER
  certificate.serialNumber = new asn1js.Integer({ valueHex: serial });
  const name = new pkijs.RelativeDistinguishedNames({
    typesAndValues: [new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: `${organisation}: Kastell report seal` }) })],
  });
  certificate.subject = name;
  certificate.issuer = name;
  const notBefore = new Date();
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 30);
  certificate.notBefore.value = notBefore;
  certificate.notAfter.value = notAfter;
  certificate.extensions = [
    new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER() }),
    // digitalSignature | nonRepudiation
    new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: new asn1js.BitString({ valueHex: new Uint8Array([0xc0]).buffer, unusedBits: 6 }).toBER() }),
  ];
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey);
  await certificate.sign(keys.privateKey, 'SHA-256');
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keyPem: toPem('PRIVATE KEY', pkcs8), certificatePem: toPem('CERTIFICATE', Buffer.from(certificate.toSchema().toBER())) };
}

export interface SignatureMark {
  /** the drawn signature, PNG (signature_pad) */
  png: Buffer;
  /** lines under it: the typed name, when and how it was signed */
  lines: string[];
  /** the signature block on the last page, PDF coordinates (render-pdf.ts) */
  box: { x: number; y: number; width: number; height: number };
}

/**
 * Draws the signature into the block of the frozen PDF and seals the result,
 * both as one incremental update: the frozen PDF's bytes, as shown to the
 * signer, stay unchanged at the start of the sealed file.
 */
export async function signAndSealPdf(frozen: Uint8Array, key: SealKey, mark: SignatureMark, reason: string): Promise<Uint8Array> {
  const document = await PDF.load(frozen);
  const last = document.getPage(document.getPageCount() - 1);
  if (!last) throw new Error('the frozen PDF has no pages');
  const image = document.embedPng(mark.png);
  const lineHeight = 11;
  const textHeight = mark.lines.length * lineHeight + 10;
  const room = { width: mark.box.width - 16, height: mark.box.height - 26 - textHeight };
  const scale = Math.min(room.width / image.width, room.height / image.height, 1);
  last.drawImage(image, { x: mark.box.x + 8, y: mark.box.y + textHeight, width: image.width * scale, height: image.height * scale });
  mark.lines.forEach((line, i) => last.drawText(line, { x: mark.box.x + 8, y: mark.box.y + textHeight - 12 - i * lineHeight, size: 9 }));
  const { bytes } = await document.sign({ signer: key.signer, reason, level: 'B-B', fieldName: 'KastellSeal' });
  return bytes;
}

export type SealCheck =
  | { ok: true; signedAt: Date | undefined }
  | { ok: false; reason: string };

/**
 * Checks the last signature of `pdf` against the installation's certificate:
 * the byte range covers the whole file but the signature itself (nothing was
 * appended after sealing), the CMS digest matches those bytes, the signature
 * verifies with the certificate's key, and the signer is that certificate.
 */
export async function checkSeal(pdf: Uint8Array, certificateDer: Uint8Array): Promise<SealCheck> {
  const text = Buffer.from(pdf).toString('latin1');
  const at = text.lastIndexOf('/ByteRange');
  if (at < 0) return { ok: false, reason: 'the file carries no signature' };
  const range = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text.slice(at, at + 120));
  if (!range) return { ok: false, reason: 'the signature dictionary is malformed' };
  const [a, b, c, d] = range.slice(1).map(Number) as [number, number, number, number];
  if (a !== 0 || b <= 0 || c <= b || c + d !== pdf.length) {
    return { ok: false, reason: 'the signature does not cover the whole file (bytes were added or removed)' };
  }
  const contents = /^<([0-9a-fA-F]+)>$/.exec(text.slice(b, c));
  if (!contents) return { ok: false, reason: 'the signature value is malformed' };
  const signed = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + d)]);
  const der = Buffer.from(contents[1]!, 'hex');
  try {
    const parsed = asn1js.fromBER(der);
    if (parsed.offset === -1) return { ok: false, reason: 'the signature value is not DER' };
    const info = new pkijs.ContentInfo({ schema: parsed.result });
    const signedData = new pkijs.SignedData({ schema: info.content });
    const certificate = pkijs.Certificate.fromBER(new Uint8Array(certificateDer));
    const signer = signedData.certificates?.find((cert): cert is pkijs.Certificate =>
      cert instanceof pkijs.Certificate && Buffer.from(cert.toSchema().toBER()).equals(Buffer.from(certificateDer)));
    if (!signer) return { ok: false, reason: "the signer is not this installation's report-sealing certificate" };
    // pkijs parses; node:crypto checks (pkijs' own verify trips over Node 20's
    // WebCrypto argument checks): the signed attributes carry the digest of
    // the covered bytes, and the signature is over those attributes.
    const info0 = signedData.signerInfos[0];
    const attributes = info0?.signedAttrs;
    if (!info0 || !attributes || info0.digestAlgorithm.algorithmId !== sha256Oid) return { ok: false, reason: 'the seal is not a SHA-256 CAdES signature' };
    const digestAttribute = attributes.attributes.find((attr) => attr.type === messageDigestOid);
    const claimed = digestAttribute ? Buffer.from((digestAttribute.values[0] as asn1js.OctetString).valueBlock.valueHexView) : undefined;
    if (!claimed || !claimed.equals(createHash('sha256').update(signed).digest())) {
      return { ok: false, reason: 'the seal does not match the file (its bytes were changed)' };
    }
    const publicKey = createPublicKey({ key: Buffer.from(certificate.subjectPublicKeyInfo.toSchema().toBER()), format: 'der', type: 'spki' });
    const signedAttributes = Buffer.from(attributes.encodedValue);
    if (!verify('sha256', signedAttributes, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(info0.signature.valueBlock.valueHexView))) {
      return { ok: false, reason: 'the seal was not made with this installation\'s key' };
    }
    const time = signedData.signerInfos[0]?.signedAttrs?.attributes.find((attr) => attr.type === '1.2.840.113549.1.9.5');
    const signedAt = time ? (time.values[0] as asn1js.UTCTime).toDate() : undefined;
    return { ok: true, signedAt };
  } catch (error) {
    return { ok: false, reason: `the seal does not verify (${(error as Error).message})` };
  }
}

export function certificateDer(pem: string): Uint8Array {
  if (!pem.includes('BEGIN CERTIFICATE')) throw new Error('not a PEM certificate');
  return new Uint8Array(pemBody(pem));
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function toPem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}
