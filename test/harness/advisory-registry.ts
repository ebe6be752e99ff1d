// A local stand-in for the npm registry's audit endpoint (the real one is not
// reachable from here). It speaks the wire protocol `npm audit` uses: POST
// /-/npm/v1/security/advisories/bulk with a (gzipped) JSON body
// { name: [versions…] }, answered with { name: [advisory…] }; and the
// packuments npm then fetches to work out which versions are affected
// (GET /<name>). Bound to 127.0.0.1; point npm at it with npm_config_registry.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface StandInAdvisory {
  id: number; url: string; title: string; severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string; cwe: string[]; cvss: { score: number; vectorString: string | null };
}

export async function startAdvisoryRegistry(advisories: Record<string, StandInAdvisory[]>) {
  const asked: Array<Record<string, string[]>> = [];
  /** the bulk requests' headers as npm sent them (npm-registry-fetch gzips the body: content-encoding gzip) */
  const headers: Array<{ contentEncoding: string | undefined; contentType: string | undefined; userAgent: string | undefined }> = [];
  const packuments = new Map<string, Set<string>>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/-/npm/v1/security/advisories/bulk') {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as Record<string, string[]>;
        asked.push(body);
        headers.push({ contentEncoding: req.headers['content-encoding'], contentType: req.headers['content-type'], userAgent: req.headers['user-agent'] });
        const answer: Record<string, StandInAdvisory[]> = {};
        for (const [name, versions] of Object.entries(body)) {
          packuments.set(name, new Set(versions));
          if (advisories[name]) answer[name] = advisories[name]!;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        return;
      }
      const name = decodeURIComponent(url.pathname.slice(1));
      const versions = packuments.get(name);
      if (req.method === 'GET' && versions) {
        const list = [...versions];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          name, 'dist-tags': { latest: list.at(-1) },
          versions: Object.fromEntries(list.map((v) => [v, { name, version: v, dist: { tarball: `http://127.0.0.1/${name}-${v}.tgz` } }])),
        }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, asked, headers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
