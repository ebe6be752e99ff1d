// The type of an upload, from its bytes (file-type's magic numbers), never
// from its name or the type the browser claimed; checked against the
// allow-list. Text has no magic number: it must be UTF-8 without control
// characters and must not look like markup or a script.
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import { refusal } from './reasons.ts';

export const allowedTypes = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'text/plain'] as const;
export type AllowedType = (typeof allowedTypes)[number];

export type Detected = { ok: true; type: AllowedType } | { ok: false; reason: string };

const textSniff = 64 * 1024;
// What a browser or shell would treat as something other than text.
const markup = /^\s*(<|#!)|<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)\b/i;

/**
 * `text`: the text check's verdict when it ran while the bytes arrived
 * (TextCheck fed by the upload's one pass, one-pass.ts); without it the file is read for it.
 */
export async function detectType(path: string, text?: Detected): Promise<Detected> {
  if (await hasZipDirectoryAtEnd(path)) {
    return { ok: false, reason: refusal('polyglot') };
  }
  const found = await fileTypeFromFile(path);
  if (found) return allowedOrRefused(found.mime);
  return text ?? checkText(path);
}

/** file-type's answer against the allow-list (text/plain has no magic number: it never comes from here). */
export function allowedOrRefused(mime: string): Detected {
  if (mime === 'image/heic' || mime === 'image/heif') return { ok: true, type: 'image/heic' };
  if ((allowedTypes as readonly string[]).includes(mime) && mime !== 'text/plain') return { ok: true, type: mime as AllowedType };
  return { ok: false, reason: refusal('typeNotAccepted', mime) };
}

const textRefused: Detected = { ok: false, reason: refusal('typeUnknown') };

/**
 * The text check, fed chunk by chunk (the upload's one pass feeds it as the
 * bytes arrive; checkText feeds it from the file): UTF-8 throughout, no
 * control characters but tab, CR, LF, FF; not markup. Checked as bytes
 * (`isUtf8`, a byte table): never decoded into strings — 1 MiB strings lived
 * in V8's large-object space until a full GC and cost a 1 GiB upload ~70 MiB
 * of RSS. Only the first 64 KiB are decoded, for the markup check. A control
 * character's byte never occurs inside a UTF-8 sequence (those are all
 * >= 0x80), so the byte table sees exactly what a decoded check would.
 */
export class TextCheck {
  private carried: Buffer | undefined; // the start of a sequence cut by the last chunk's end (1–3 bytes)
  private head: Buffer[] = [];
  private headBytes = 0;
  private failed = false;
  size = 0;

  /** False once the bytes so far cannot be text (the rest need not be fed). */
  get possible(): boolean { return !this.failed; }

  push(input: Buffer): void {
    if (this.failed || input.length === 0) return;
    this.size += input.length;
    if (this.headBytes < textSniff) {
      const part = input.subarray(0, textSniff - this.headBytes);
      this.head.push(Buffer.from(part));
      this.headBytes += part.length;
    }
    // only a sequence cut by a chunk boundary costs a copy (never for ASCII)
    const chunk = this.carried ? Buffer.concat([this.carried, input]) : input;
    const whole = chunk.length - incompleteTail(chunk, chunk.length);
    const bytes = chunk.subarray(0, whole);
    if (!isUtf8(bytes) || hasControlByte(bytes)) {
      this.failed = true;
      return;
    }
    this.carried = whole < chunk.length ? Buffer.from(chunk.subarray(whole)) : undefined;
  }

  /** The first bytes (up to 64 KiB) as they are so far. */
  headBuffer(): Buffer { return Buffer.concat(this.head, this.headBytes); }

  /** The verdict once every byte was pushed. */
  finish(): Detected {
    if (this.failed || this.carried) return textRefused; // a refused byte, or the file ends inside a sequence
    if (this.size === 0) return { ok: false, reason: refusal('empty') };
    if (looksLikeMarkup(this.headBuffer())) return { ok: false, reason: refusal('markup') };
    return { ok: true, type: 'text/plain' };
  }
}

export const looksLikeMarkup = (head: Buffer) => markup.test(new TextDecoder('utf-8').decode(head).replace(/^\uFEFF/, ''));

/** The text check on a file, read in 64 KiB chunks. */
async function checkText(path: string): Promise<Detected> {
  const check = new TextCheck();
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(textChunk);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, textChunk, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      check.push(chunk.subarray(0, bytesRead));
      if (!check.possible) break;
    }
    return check.finish();
  } finally {
    await handle.close();
  }
}

const textChunk = 64 * 1024;
// bytes 0x00–0x08, 0x0b, 0x0e–0x1f and 0x7f refuse a text file
const controlByte = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) if (b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) controlByte[b] = 1;
controlByte[0x7f] = 1;

/**
 * Whether any byte is a refused control byte. Four bytes at a time: a word
 * with no byte below 0x20 and none equal to 0x7f (the two bit tests of "Bit
 * Twiddling Hacks", hasless and haszero, never miss such a byte) is passed
 * whole; any other word is looked at byte by byte (tab, LF, CR, FF land
 * there too). About four times the speed of the byte loop (~1.5 GB/s vs
 * ~400 MB/s), which had been most of detect-type's time on a large text.
 */
export function hasControlByte(bytes: Uint8Array): boolean {
  const end = bytes.length;
  let i = 0;
  const lead = Math.min(end, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < lead; i++) if (controlByte[bytes[i]!] === 1) return true;
  const count = (end - i) >>> 2;
  // (a view must start on a multiple of 4 even when it is empty)
  const words = count > 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset + i, count) : new Uint32Array(0);
  for (let k = 0; k < count; k++) {
    const v = words[k]!;
    const x = v ^ 0x7f7f7f7f;
    if ((((v - 0x01010101 * 0x20) & ~v) | ((x - 0x01010101) & ~x)) & 0x80808080) {
      const at = i + k * 4;
      if (controlByte[bytes[at]!] === 1 || controlByte[bytes[at + 1]!] === 1 || controlByte[bytes[at + 2]!] === 1 || controlByte[bytes[at + 3]!] === 1) return true;
    }
  }
  for (i += count * 4; i < end; i++) if (controlByte[bytes[i]!] === 1) return true;
  return false;
}

/** How many bytes at the end of bytes[0, end) start a UTF-8 sequence that continues past it (0–3). */
function incompleteTail(bytes: Uint8Array, end: number): number {
  for (let back = 1; back <= Math.min(3, end); back++) {
    const b = bytes[end - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0; // three continuation bytes (or fewer bytes than that): isUtf8 judges them
}

/** A ZIP reader looks for its end-of-central-directory record in the last 64 KiB: so do we. */
async function hasZipDirectoryAtEnd(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 65_557);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    return tail.includes(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  } finally {
    await handle.close();
  }
}
