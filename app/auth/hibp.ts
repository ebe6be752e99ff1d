// Have I Been Pwned, k-anonymity range API: only the first five hex digits
// of the password's SHA-1 leave the box; the answer lists suffixes with
// counts. The base URL is configurable (a local mirror for air-gapped
// installs). Padding is requested so response sizes reveal nothing.
import { createHash } from 'node:crypto';

export type BreachAnswer = 'breached' | 'not_breached' | 'unreachable';

export async function checkBreached(baseUrl: string, password: string, timeoutMs: number): Promise<BreachAnswer> {
  const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  const prefix = sha1.slice(0, 5);
  const suffix = sha1.slice(5);
  try {
    const response = await fetch(`${baseUrl}/range/${prefix}`, {
      headers: { 'Add-Padding': 'true', 'User-Agent': 'Kastell' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return 'unreachable';
    const body = await response.text();
    for (const line of body.split('\n')) {
      const [candidate, count] = line.trim().split(':');
      if (candidate?.toUpperCase() === suffix && Number(count) > 0) return 'breached';
    }
    return 'not_breached';
  } catch {
    return 'unreachable';
  }
}
