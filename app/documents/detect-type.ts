// The type of an upload, from its bytes (file-type's magic numbers), never
// from its name or the type the browser claimed; checked against the
// allow-list. Text has no magic number: it must be UTF-8 without control
// characters and must not look like markup or a script.
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';

export const allowedTypes = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'text/plain'] as const;
export type AllowedType = (typeof allowedTypes)[number];

export type Detected = { ok: true; type: AllowedType } | { ok: false; reason: string };

const textSniff = 64 * 1024;
// What a browser or shell would treat as something other than text.
const markup = /^\s*(<|#!)|<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)\b/i;

export async function detectType(path: string): Promise<Detected> {
  if (await hasZipDirectoryAtEnd(path)) {
    return { ok: false, reason: 'the file is also a ZIP archive (a polyglot): not accepted' };
  }
  const found = await fileTypeFromFile(path);
  if (found) {
    if (found.mime === 'image/heic' || found.mime === 'image/heif') return { ok: true, type: 'image/heic' };
    if ((allowedTypes as readonly string[]).includes(found.mime) && found.mime !== 'text/plain') return { ok: true, type: found.mime as AllowedType };
    return { ok: false, reason: `files of type ${found.mime} are not accepted (PDF, JPEG, PNG, WebP or plain text only)` };
  }
  return checkText(path);
}

/**
 * UTF-8 throughout, no control characters but tab, CR, LF, FF; not markup.
 * Read in 64 KiB chunks and checked as bytes (`isUtf8`, a byte table): the
 * file is never decoded into strings — 1 MiB strings lived in V8's
 * large-object space until a full GC and cost a 1 GiB upload ~70 MiB of RSS.
 * Only the first 64 KiB are decoded, for the markup check. A control
 * character's byte never occurs inside a UTF-8 sequence (those are all
 * >= 0x80), so the byte table sees exactly what a decoded check would.
 */
async function checkText(path: string): Promise<Detected> {
  const refused: Detected = { ok: false, reason: 'this file type is not accepted (PDF, JPEG, PNG, WebP or plain text only)' };
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(textChunk + 3);
    let carried = 0; // bytes of a sequence cut by the chunk's end, moved to the front
    let position = 0;
    let head: Buffer | undefined;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, carried, textChunk, position);
      const filled = carried + bytesRead;
      if (bytesRead === 0) {
        if (carried > 0) return refused; // the file ends inside a sequence
        break;
      }
      if (head === undefined) head = Buffer.from(chunk.subarray(0, Math.min(filled, textSniff)));
      position += bytesRead;
      const whole = filled - incompleteTail(chunk, filled);
      if (!isUtf8(chunk.subarray(0, whole)) || hasControlByte(chunk, whole)) return refused;
      carried = filled - whole;
      chunk.copy(chunk, 0, whole, filled);
    }
    if (position === 0 || head === undefined) return { ok: false, reason: 'the file is empty' };
    const text = new TextDecoder('utf-8').decode(head).replace(/^\uFEFF/, '');
    if (markup.test(text)) return { ok: false, reason: 'HTML, SVG, XML and scripts are not accepted' };
    return { ok: true, type: 'text/plain' };
  } finally {
    await handle.close();
  }
}

const textChunk = 64 * 1024;
// bytes 0x00–0x08, 0x0b, 0x0e–0x1f and 0x7f refuse a text file
const controlByte = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) if (b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) controlByte[b] = 1;
controlByte[0x7f] = 1;

function hasControlByte(bytes: Uint8Array, end: number): boolean {
  for (let i = 0; i < end; i++) if (controlByte[bytes[i]!] === 1) return true;
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
