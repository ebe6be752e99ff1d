// Request limits, counted in PostgreSQL so that every Kastell process on one
// database agrees (SPEC §5: processes keep no state of their own).
//
// Before sign-in (`rateLimit`): each limited endpoint below takes at most
// `perIp` requests a minute from one client IP and `perAccount` from one
// account — the e-mail address the body names (sign-in, password reset) or
// the token in the path (unlock, set-up and invitation links) — so neither
// many addresses against one account nor one address against many accounts
// get more. The lockout (app/auth/lockout.ts) counts wrong answers; this caps
// plain volume, so a flood of well-formed requests cannot tie up hashing,
// e-mail or the database.
// Signed in (`userRateLimit`, after the session): each user's writes (POST,
// PUT, PATCH, DELETE anywhere) and API calls (/api/v1/…) a minute.
// Past a limit: 429 with Retry-After (the seconds until the window ends).
//
// Counters: fixed one-minute windows aligned to the epoch, one row per
// bucket and window in the UNLOGGED table kastell.rate_limit_windows, bumped
// by one atomic upsert in app.count_requests() (sql/0018) — one round trip
// per limited request for all its buckets. Buckets are SHA-256 hashes: no
// address or e-mail is stored. A limit of 0 turns that counter off.
// Once the database has answered that a bucket is over its limit, the
// process remembers it until that window ends (`OverLimit`) and refuses
// the bucket's next requests without a round trip: a count only grows
// within its fixed window, so every process would get the same answer — a
// flood of refused requests then costs no database work (issue 10 part 8).
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Database } from '../db/client.ts';
import type { AppEnv } from './context.ts';
import { HttpError } from './errors.ts';
import { parseFormBody } from './form-body.ts';

const windowSeconds = 60;

/** The limited pre-sign-in endpoints, by method and path; a token in the path counts as one endpoint. */
export const endpoints: Array<{ name: string; methods: string[]; path: RegExp }> = [
  { name: 'sign-in', methods: ['POST'], path: /^(\/api\/v1\/auth)?\/sign-in$/ },
  { name: 'second-factor', methods: ['POST'], path: /^(\/sign-in\/(factor|enrol)|\/api\/v1\/auth\/second-factor)$/ },
  { name: 'passkey', methods: ['POST'], path: /^\/api\/v1\/auth\/passkey\/(options|verify)$/ },
  { name: 'unlock', methods: ['GET', 'POST'], path: /^\/unlock\/[^/]+$/ },
  { name: 'setup', methods: ['GET', 'POST'], path: /^\/setup\/[^/]+$/ },
  { name: 'invite', methods: ['GET', 'POST'], path: /^(\/api\/v1)?\/invites\/accept\/[^/]+$/ },
  { name: 'password-reset', methods: ['GET', 'POST'], path: /^(\/forgot-password|\/reset-password\/[^/]+|\/api\/v1\/auth\/password-reset(\/complete)?)$/ },
  { name: 'email-confirm', methods: ['GET', 'POST'], path: /^(\/confirm-email\/[^/]+|\/api\/v1\/auth\/email-confirm)$/ },
  { name: 'share-link', methods: ['GET', 'POST'], path: /^\/s\/[^/]+$/ },
  { name: 'bot-challenge', methods: ['GET'], path: /^\/api\/v1\/auth\/challenge$/ },
];

/** Endpoints whose path ends in the token that names the one account (or link) they act on. */
const tokenInPath = new Set(['unlock', 'setup', 'invite', 'share-link']);

export function endpointOf(method: string, path: string): string | undefined {
  return endpoints.find((e) => e.methods.includes(method) && e.path.test(path))?.name;
}

export interface Counter {
  /** what the bucket counts, e.g. `ip sign-in 203.0.113.5` (hashed before it reaches the database) */
  key: string;
  limit: number;
  /** the sentence a person reads past the limit, with {seconds} */
  message: string;
}

export const bucketOf = (key: string) => createHash('sha256').update(key).digest();

/**
 * Buckets the database has found over their limit, each until its window
 * ends (ms since the epoch). Per app, bounded: past `capacity` live entries
 * a refusal is simply not remembered and the next request asks the database.
 */
export class OverLimit {
  private readonly until = new Map<string, number>();
  constructor(private readonly capacity = 10_000) {}

  /** The window's end for a bucket still over its limit, or undefined. */
  get(bucket: string, now = Date.now()): number | undefined {
    const end = this.until.get(bucket);
    if (end === undefined) return undefined;
    if (end > now) return end;
    this.until.delete(bucket);
    return undefined;
  }

  remember(bucket: string, end: number, now = Date.now()): void {
    if (this.until.size >= this.capacity) {
      for (const [key, value] of this.until) if (value <= now) this.until.delete(key);
      if (this.until.size >= this.capacity) return;
    }
    this.until.set(bucket, end);
  }

  get size(): number {
    return this.until.size;
  }
}

function refuse(c: Context<AppEnv>, counter: Counter, retryAfterSeconds: number, logDetail: Record<string, unknown>): never {
  const retryAfter = String(Math.max(1, retryAfterSeconds));
  c.get('log').warn({ event: 'http.rate_limited', counter: counter.key.split(' ').slice(0, 2).join(' '), ...logDetail }, 'request limit reached');
  throw new HttpError(429, 'rate_limited', counter.message.replace('{seconds}', retryAfter), [], { 'Retry-After': retryAfter });
}

/** Counts one request in each counter's current window; throws 429 when any is over its limit. */
export async function countRequest(c: Context<AppEnv>, db: Database, counters: Counter[], logDetail: Record<string, unknown>, over: OverLimit): Promise<void> {
  const active = counters.filter((counter) => counter.limit > 0);
  if (active.length === 0) return;
  const buckets = active.map((counter) => bucketOf(counter.key).toString('hex'));
  const now = Date.now();
  for (const [i, counter] of active.entries()) {
    const end = over.get(buckets[i]!, now);
    if (end !== undefined) refuse(c, counter, Math.ceil((end - now) / 1000), logDetail);
  }
  const rows = await db.sql<{ bucket: string; hits: number; reset_seconds: number }[]>`
    select encode(bucket, 'hex') as bucket, hits, reset_seconds
    from app.count_requests(array(select decode(b, 'hex') from unnest(${buckets}::text[]) b), ${windowSeconds})`;
  for (const [i, counter] of active.entries()) {
    const row = rows.find((r) => r.bucket === buckets[i]);
    if (row && row.hits > counter.limit) {
      // reset_seconds is rounded up: one second less never outlasts the database's window
      if (row.reset_seconds > 1) over.remember(buckets[i]!, Date.now() + (row.reset_seconds - 1) * 1000);
      refuse(c, counter, row.reset_seconds, logDetail);
    }
  }
}

/** The account a pre-sign-in request names: the body's e-mail address, or the path's token. */
export async function accountOf(c: Context<AppEnv>, endpoint: string): Promise<string | undefined> {
  if (tokenInPath.has(endpoint)) return c.req.path.slice(c.req.path.lastIndexOf('/') + 1);
  if (c.req.method !== 'POST') return undefined;
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let email: unknown;
  try {
    // both parsers cache the body, so the route reads the same one again
    if (type === 'application/json') email = ((await c.req.json()) as { email?: unknown } | null)?.email;
    else if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') email = (await parseFormBody(c)).email;
  } catch {
    return undefined; // the route answers a malformed body itself
  }
  return typeof email === 'string' && email.trim() !== '' ? email.trim().toLowerCase() : undefined;
}

export function rateLimit(db: Database, limits: { perIp: number; perAccount: number }, over = new OverLimit()): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const endpoint = endpointOf(c.req.method, c.req.path);
    if (!endpoint) return next();
    const ip = c.get('clientIp');
    const counters: Counter[] = [
      { key: `ip ${endpoint} ${ip}`, limit: limits.perIp, message: 'Too many requests to this page from your address. Try again in {seconds} seconds.' },
    ];
    const account = await accountOf(c, endpoint);
    if (account !== undefined) {
      counters.push({ key: `account ${endpoint} ${account}`, limit: limits.perAccount, message: 'Too many requests for this account. Try again in {seconds} seconds.' });
    }
    await countRequest(c, db, counters, { endpoint, ip }, over);
    return next();
  };
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Per signed-in user: writes anywhere and API calls, each a minute. Runs after the session middleware. */
export function userRateLimit(db: Database, limits: { writes: number; api: number }, over = new OverLimit()): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!user) return next();
    const counters: Counter[] = [];
    if (unsafe.has(c.req.method)) {
      counters.push({ key: `user-writes ${user.userId}`, limit: limits.writes, message: 'You are making changes faster than allowed. Try again in {seconds} seconds.' });
    }
    if (c.req.path.startsWith('/api/v1/')) {
      counters.push({ key: `user-api ${user.userId}`, limit: limits.api, message: 'Too many API requests from your account. Try again in {seconds} seconds.' });
    }
    if (counters.length > 0) await countRequest(c, db, counters, { userId: user.userId }, over);
    return next();
  };
}
