// A clean version's bytes on their way out: streamed from the store, as an
// attachment (or an image inline), never sniffed, sandboxed.
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { AllowedType } from './detect-type.ts';

/** The extensions a saved file of each stored type may keep; the first is added when the name has none of them. */
const extensionsOf: Record<AllowedType, string[]> = {
  'application/pdf': ['pdf'], 'image/jpeg': ['jpg', 'jpeg'], 'image/png': ['png'], 'image/webp': ['webp'],
  'image/heic': ['heic', 'heif'], 'text/plain': ['txt', 'csv', 'text'],
};

/**
 * The name a download is saved under: the uploader's, with an extension that
 * matches what the file is. A text file named `x.html` (checked only as
 * text) is saved as `x.html.txt`, so opening it from disk never runs it.
 */
export function downloadName(name: string, type: string): string {
  const allowed = extensionsOf[type as AllowedType];
  if (!allowed) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return allowed.includes(extension) ? name : `${name}.${allowed[0]}`;
}

/** RFC 6266: an ASCII fallback and the UTF-8 name as filename*. */
export function contentDisposition(type: 'attachment' | 'inline', name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\%]/g, '_') || 'download';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export function serveVersion(c: Context<AppEnv>, opened: { type: string; size: number; fileName: string; body: Readable }, disposition: 'attachment' | 'inline'): Response {
  c.header('Content-Type', opened.type === 'text/plain' ? 'text/plain; charset=utf-8' : opened.type);
  c.header('Content-Length', String(opened.size));
  c.header('Content-Disposition', contentDisposition(disposition, downloadName(opened.fileName, opened.type)));
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Content-Security-Policy', "sandbox; default-src 'none'");
  c.header('Cache-Control', 'private, no-store');
  c.header('Cross-Origin-Resource-Policy', 'same-origin');
  return c.body(toResponseStream(opened.body));
}

/** Chunks handed to the response: at least this many bytes unless the object ends. */
export const responseChunkBytes = 1024 * 1024;

/**
 * The store's stream as the web stream Hono answers with, in chunks of about
 * responseChunkBytes: each chunk costs a few promises and a socket write on
 * the way out, and the stores give 64 KiB (fs) or whatever a socket read
 * brought (S3) — with Readable.toWeb a download ran at 0.2–0.3 of a bare
 * file → node:http pipe (`npm run bench -- documents`). One chunk is read
 * ahead (highWaterMark 1): the next chunk is decrypted while the socket
 * sends this one; with none ahead the two took turns, and under load the
 * path ran at about half a bare Node pipe of the same decrypted stream
 * (test/bench/download-path.ts). Memory: the chunk being sent and the one
 * ahead, plus the source's own buffer.
 */
export function toResponseStream(body: Readable): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const parts: Buffer[] = [];
      let bytes = 0;
      while (bytes < responseChunkBytes) {
        const next = await chunks.next();
        if (next.done) break;
        parts.push(next.value);
        bytes += next.value.length;
      }
      if (parts.length > 0) controller.enqueue(parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes));
      if (bytes < responseChunkBytes) controller.close();
    },
    async cancel(reason) {
      await chunks.return?.();
      body.destroy(reason instanceof Error ? reason : undefined);
    },
  }, { highWaterMark: 1 });
}
