// A clean version's bytes on their way out: streamed from the store, as an
// attachment (or an image inline), never sniffed, sandboxed.
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';

/** RFC 6266: an ASCII fallback and the UTF-8 name as filename*. */
export function contentDisposition(type: 'attachment' | 'inline', name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\%]/g, '_') || 'download';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export function serveVersion(c: Context<AppEnv>, opened: { type: string; size: number; fileName: string; body: Readable }, disposition: 'attachment' | 'inline'): Response {
  c.header('Content-Type', opened.type === 'text/plain' ? 'text/plain; charset=utf-8' : opened.type);
  c.header('Content-Length', String(opened.size));
  c.header('Content-Disposition', contentDisposition(disposition, opened.fileName));
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Content-Security-Policy', "sandbox; default-src 'none'");
  c.header('Cache-Control', 'private, no-store');
  c.header('Cross-Origin-Resource-Policy', 'same-origin');
  return c.body(Readable.toWeb(opened.body) as ReadableStream);
}
