// The type of an upload, from its bytes (file-type's magic numbers), never
// from its name or the type the browser claimed; checked against the
// allow-list. Text has no magic number: it must be UTF-8 without control
// characters and must not look like markup or a script.
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

/** UTF-8 throughout (read in chunks, never whole), no control characters but tab, CR, LF, FF; not markup. */
async function checkText(path: string): Promise<Detected> {
  const refused: Detected = { ok: false, reason: 'this file type is not accepted (PDF, JPEG, PNG, WebP or plain text only)' };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(1024 * 1024);
    let position = 0;
    let head = '';
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      let text: string;
      try {
        text = decoder.decode(chunk.subarray(0, bytesRead), { stream: bytesRead > 0 });
      } catch {
        return refused;
      }
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text)) return refused;
      if (head.length < textSniff) head += text.slice(0, textSniff - head.length);
      if (bytesRead === 0) break;
      position += bytesRead;
    }
    if (position === 0) return { ok: false, reason: 'the file is empty' };
    if (markup.test(head.replace(/^\uFEFF/, ''))) return { ok: false, reason: 'HTML, SVG, XML and scripts are not accepted' };
    return { ok: true, type: 'text/plain' };
  } finally {
    await handle.close();
  }
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
