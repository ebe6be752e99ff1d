// The header and TLS self-check: the server asks its own public URL for
// /healthz — through nginx on the appliance, so what is checked is what a
// visitor gets — and looks at the security headers and, over https, at the
// certificate's expiry. node:https rather than fetch: fetch does not show
// the peer certificate.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface SelfCheck {
  url: string;
  reachable: boolean;
  reason: string | null;
  tls: boolean;
  certificateExpiresAt: Date | null;
  checks: Array<{ header: string; ok: boolean; value: string | null }>;
}

/** A year, as the HSTS preload list asks (max-age of at least 31536000). */
const hstsMinSeconds = 31_536_000;

export function checkHeaders(headers: IncomingMessage['headers']): SelfCheck['checks'] {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value ?? null;
  };
  const hsts = one('strict-transport-security');
  const maxAge = Number(/max-age=(\d+)/i.exec(hsts ?? '')?.[1] ?? 0);
  const csp = one('content-security-policy');
  const nosniff = one('x-content-type-options');
  return [
    { header: 'Strict-Transport-Security', ok: maxAge >= hstsMinSeconds, value: hsts },
    // a policy that starts from nothing and forbids framing, not any CSP at all
    { header: 'Content-Security-Policy', ok: csp !== null && /default-src 'none'/.test(csp) && /frame-ancestors 'none'/.test(csp), value: csp },
    { header: 'X-Content-Type-Options', ok: nosniff?.trim().toLowerCase() === 'nosniff', value: nosniff },
  ];
}

export function selfCheck(publicUrl: string, timeoutMs = 5000): Promise<SelfCheck> {
  const url = `${publicUrl}/healthz`;
  const tls = url.startsWith('https:');
  return new Promise((resolve) => {
    const failed = (reason: string) => resolve({ url, reachable: false, reason, tls, certificateExpiresAt: null, checks: [] });
    const request = (tls ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'kastell-trust-self-check' } }, (response) => {
      let certificateExpiresAt: Date | null = null;
      if (tls) {
        const certificate = (response.socket as TLSSocket).getPeerCertificate();
        if (certificate?.valid_to) certificateExpiresAt = new Date(certificate.valid_to);
      }
      response.resume();
      const status = response.statusCode ?? 0;
      resolve({
        url, reachable: status === 200, reason: status === 200 ? null : `/healthz answered ${status}`,
        tls, certificateExpiresAt, checks: checkHeaders(response.headers),
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => failed(`the public URL cannot be reached (${(error as NodeJS.ErrnoException).code ?? error.message})`));
    request.end();
  });
}
