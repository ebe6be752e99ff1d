// The self-hosted proof-of-work bot challenge (README "Identity"), in place
// of a third-party CAPTCHA: altcha's protocol (altcha-lib's createChallenge /
// verifySolution, SHA-256, HMAC-signed), solved in the page by our own
// script (/assets/bot-challenge.js, Web Crypto) — no request leaves our
// origin. Asked on sign-in, password-reset requests and invitation
// acceptance only once an address or the endpoint as a whole has failed
// often enough; below that no JavaScript is needed and the normal limits
// (app/http/rate-limit.ts, app/auth/lockout.ts) apply alone.
//
// The counters are the existing ones, read without counting:
// - an address: the lockout's failures on its subject (`account:<email>` for
//   sign-in, `reset:<email>` for reset requests) over the last 15 minutes;
// - a client IP and the endpoint as a whole: buckets of the request
//   counters (`challenge-failures <endpoint> [ip <ip>]`, 15-minute windows,
//   the current and the previous one), bumped on each failure.
// Challenges are single-use and short-lived in the database (sql/0023):
// issued rows expire after 5 minutes (the database caps them at 10) and a
// solution is consumed by one UPDATE … WHERE used_at IS NULL, so a replay is
// refused. The HMAC key comes from KASTELL_CHALLENGE_HMAC_KEY (a credential),
// else it is derived from the installation secret key; it is never logged.
import { hkdfSync } from 'node:crypto';
import type { Context } from 'hono';
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type { Config } from '../config.ts';
import { loadSecretKey } from '../crypto/secret-box.ts';
import type { Database } from '../db/client.ts';
import type { AppEnv } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { bucketOf } from '../http/rate-limit.ts';
import { text } from '../http/text-schema.ts';

export const botChallengeEndpoints = ['sign-in', 'password-reset', 'invite'] as const;
export type BotChallengeEndpoint = (typeof botChallengeEndpoints)[number];

/** The form field / JSON property that carries a solution (altcha's own name for it). */
export const solutionField = 'altcha';
/** The solution as a form or JSON field: optional (asked only past the threshold), '' when the page's script did not run. */
export const solutionSchema = text({ error: 'issue.invalid' }).max(4000, 'issue.tooLong').optional();

/** How long an issued challenge may be answered. */
export const challengeSeconds = 300;
/** The failure windows: an address's last 15 minutes; IP and endpoint buckets of 15 minutes (current + previous). */
const addressMinutes = 15;
const windowSeconds = 900;

export interface IssuedChallenge {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
  expiresAt: string;
}

export interface BotChallenges {
  /** A fresh challenge for this endpoint, recorded in the database. */
  issue(endpoint: BotChallengeEndpoint): Promise<IssuedChallenge>;
  /** Whether the challenge is asked now: for the endpoint, this client IP, or one of these lockout subjects. */
  due(c: Context<AppEnv>, endpoint: BotChallengeEndpoint, subjects: string[]): Promise<boolean>;
  /** When due: 428 `challenge_required` without a solution, 428 `challenge_failed` for an invalid, replayed or expired one. */
  require(c: Context<AppEnv>, endpoint: BotChallengeEndpoint, subjects: string[], solution: string | undefined): Promise<void>;
  /** Counts one failure for the endpoint and this client IP. */
  failed(c: Context<AppEnv>, endpoint: BotChallengeEndpoint): Promise<void>;
}

export function challengeKey(config: Config): string {
  const key = config.identity.challenge.hmacKey
    ?? Buffer.from(hkdfSync('sha256', loadSecretKey(config).key, Buffer.alloc(0), 'kastell bot challenge hmac', 32));
  return key.toString('hex');
}

export function createBotChallenges(deps: { db: Database; config: Config }): BotChallenges {
  const { db, config } = deps;
  const settings = config.identity.challenge;
  let key: string | undefined;
  const hmacKey = () => (key ??= challengeKey(config));
  const buckets = (c: Context<AppEnv>, endpoint: BotChallengeEndpoint) => [
    bucketOf(`challenge-failures ${endpoint}`).toString('hex'),
    bucketOf(`challenge-failures ${endpoint} ip ${c.get('clientIp')}`).toString('hex'),
  ];

  async function due(c: Context<AppEnv>, endpoint: BotChallengeEndpoint, subjects: string[]): Promise<boolean> {
    if (settings.afterFailures === 0 || settings.afterEndpointFailures === 0) return true;
    const [endpointBucket, ipBucket] = buckets(c, endpoint);
    const hits = await db.sql<{ bucket: string; hits: number }[]>`
      select encode(bucket, 'hex') as bucket, hits
      from app.peek_requests(array[decode(${endpointBucket!}, 'hex'), decode(${ipBucket!}, 'hex')], ${windowSeconds})`;
    const count = (bucket: string) => hits.find((h) => h.bucket === bucket)?.hits ?? 0;
    if (count(endpointBucket!) >= settings.afterEndpointFailures) return true;
    if (count(ipBucket!) >= settings.afterFailures * config.identity.ipLockoutScale) return true;
    if (subjects.length === 0) return false;
    const rows = await db.withPrincipal(null, (tx) => tx<{ failures: number }[]>`
      select failures from app.auth_failure_counts(${subjects}::text[], ${addressMinutes})`);
    return rows.some((r) => r.failures >= settings.afterFailures);
  }

  /** altcha-lib checks the number, the signature and the expiry in the salt; then the database uses the challenge once. */
  async function accepted(endpoint: BotChallengeEndpoint, solution: string): Promise<boolean> {
    let payload: { challenge?: unknown };
    try {
      payload = JSON.parse(Buffer.from(solution, 'base64').toString('utf8')) as { challenge?: unknown };
    } catch {
      return false;
    }
    if (typeof payload?.challenge !== 'string' || !/^[0-9a-f]{64}$/.test(payload.challenge)) return false;
    if (!(await verifySolution(payload as never, hmacKey(), true))) return false;
    if (extractParams(payload as never).endpoint !== endpoint) return false;
    const [row] = await db.withPrincipal(null, (tx) => tx<{ ok: boolean }[]>`select app.consume_bot_challenge(${payload.challenge as string}, ${endpoint}) as ok`);
    return row?.ok === true;
  }

  return {
    async issue(endpoint) {
      const expires = new Date(Date.now() + challengeSeconds * 1000);
      const challenge = await createChallenge({ hmacKey: hmacKey(), maxnumber: settings.maxNumber, expires, params: { endpoint } });
      const [row] = await db.withPrincipal(null, (tx) => tx<{ expires_at: Date }[]>`
        select app.issue_bot_challenge(${challenge.challenge}, ${endpoint}, ${challengeSeconds}) as expires_at`);
      return { ...challenge, maxnumber: settings.maxNumber, expiresAt: new Date(row!.expires_at).toISOString() };
    },
    due,
    async require(c, endpoint, subjects, solution) {
      if (!(await due(c, endpoint, subjects))) return;
      if (!solution) {
        c.get('log').info({ event: 'auth.challenge.required', endpoint, ip: c.get('clientIp') }, 'bot challenge required');
        throw new HttpError(428, 'challenge_required',
          `Too many failed attempts: solve the proof-of-work challenge first (GET /api/v1/auth/challenge?for=${endpoint}, the solution in the field "${solutionField}"), or wait up to 30 minutes and try again.`);
      }
      if (!(await accepted(endpoint, solution))) {
        c.get('log').warn({ event: 'auth.challenge.failed', endpoint, ip: c.get('clientIp') }, 'bot challenge solution refused');
        throw new HttpError(428, 'challenge_failed', 'The challenge solution is not valid, was used already or expired: solve a new challenge.');
      }
    },
    async failed(c, endpoint) {
      await db.sql`select 1 from app.count_requests(array(select decode(b, 'hex') from unnest(${buckets(c, endpoint)}::text[]) b), ${windowSeconds})`;
    },
  };
}
