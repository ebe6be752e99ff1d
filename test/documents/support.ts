// What the document tests share: a world (server with its own clamd, a
// company with a site and an asset, people), multipart uploads as a
// browser sends them (the CSRF field first), and sample files made here.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { TestClient, TestResponse } from '../harness/server.ts';

export async function upload(client: TestClient, path: string, fields: Record<string, string>, file: { name: string; bytes: Buffer; type?: string }): Promise<TestResponse> {
  if (!client.cookies.has('__Host-kastell-csrf')) await client.get('/sign-in');
  const form = new FormData();
  form.append('_csrf', client.cookies.get('__Host-kastell-csrf') ?? '');
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
  const response = await fetch(client.baseUrl + path, {
    method: 'POST', body: form, redirect: 'manual',
    headers: { origin: new URL(client.baseUrl).origin, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

export async function download(client: TestClient, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(client.baseUrl + path, { headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** A one-page PDF; `active` adds an OpenAction, a JavaScript name tree, page AA, a Launch link, an embedded file and XFA. */
export function makePdf(active = false): Buffer {
  const objects = active ? [
    '<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /Names << /JavaScript << /Names [(x) 4 0 R] >> /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >> /AcroForm << /Fields [] /XFA 5 0 R >> >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 4 0 R >> /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /Launch /F (calc.exe) >> >>] >>',
    "<< /S /JavaScript /JS (app.alert\\('hi'\\)) >>",
    '<< /Length 5 >>\nstream\n<xdp>\nendstream',
    '<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>',
    '<< /Type /EmbeddedFile /Length 4 >>\nstream\nMZAA\nendstream',
  ] : [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
    '<< /Length 21 >>\nstream\n0 0 m 100 100 l S\nendstream',
  ];
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => { offsets.push(Buffer.byteLength(out)); out += `${i + 1} 0 obj\n${body}\nendobj\n`; });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A ZIP archive with one stored file (what a polyglot appends). */
export function makeZip(name: string, content: Buffer): Buffer {
  const nameBytes = Buffer.from(name);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18); local.writeUInt32LE(content.length, 22); local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20); central.writeUInt32LE(content.length, 24); central.writeUInt16LE(nameBytes.length, 28);
  const localSize = local.length + nameBytes.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12); end.writeUInt32LE(localSize, 16);
  return Buffer.concat([local, nameBytes, content, central, nameBytes, end]);
}

/** A JPEG whose EXIF holds a GPS position (Bern) and a camera name, rotated by its Orientation tag. */
export async function makeJpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 32, channels: 3, background: '#c04000' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'KastellCam', Model: 'Secret Model 9' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '46/1 56/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '7/1 26/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export const makePng = () => sharp({ create: { width: 20, height: 20, channels: 4, background: '#0080ff80' } }).png().toBuffer();
export const makeWebp = () => sharp({ create: { width: 20, height: 20, channels: 3, background: '#00ff00' } }).webp().toBuffer();
export const elfBinary = () => readFileSync('/usr/bin/true');
