// Password sign-in and the second factor. Misses cost the same time as
// hits, every refusal is the same generic one, and lockout is keyed by the
// address typed, so nothing reveals whether an account exists. Every
// failure logs {"event":"auth.signin.failed","ip":…} — the appliance's
// Crowdsec scenario parses exactly that.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { parse as parseCookie } from 'hono/utils/cookie';
import { z } from 'zod';
import type { Tx } from '../db/client.ts';
import type { AppEnv } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { EarlyRefusal } from '../http/overload.ts';
import { endpointOf } from '../http/rate-limit.ts';
import { text } from '../http/text-schema.ts';
import { backupCodeUsable } from './factors.ts';
import { mfaRequired, type Identity } from './identity.ts';
import { accountSubject, claimAttempt, factorSubject, ipSubject, unlockSubject, withdrawAttempts, type Subject } from './lockout.ts';
import { sendLockoutAlert, sendUnlockLink } from './notices.ts';
import { busy, type Lane, type Reservation } from './hash-limiter.ts';
import { decoyPasswordHash, hashLimiter, hashPassword, needsRehash, verifyPassword } from './password.ts';
import { startSession } from './session.ts';
import { solutionSchema } from './bot-challenge.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';
import { totpAad } from '../crypto/fields.ts';
import { matchTotp, totpCodePattern } from './totp.ts';

export const signInSchema = z.strictObject({
  email: text({ error: 'issue.enterYourEmail' }).trim().min(3, 'issue.enterYourEmail').max(254, 'issue.tooLong'),
  password: text({ error: 'issue.enterPassword' }).min(1, 'issue.enterPassword').max(1024, 'issue.tooLong'),
  /** the bot challenge's solution: asked only past the failure threshold (app/auth/bot-challenge.ts) */
  altcha: solutionSchema,
});
export type SignInInput = z.infer<typeof signInSchema>;

export const factorSchema = z.strictObject({
  code: text({ error: 'issue.enterCode' }).trim().min(6, 'issue.enterCode').max(40, 'issue.tooLong'),
});

export const challengeCookie = '__Host-kastell-challenge';
export const unlockCookie = '__Host-kastell-unlock';
const challengeMinutes = 10;

export type SignInOutcome =
  | { kind: 'signed_in' }
  | { kind: 'second_factor' }
  | { kind: 'enrol' }
  | { kind: 'failed' }
  | { kind: 'locked'; retryAfterSeconds: number }
  | { kind: 'network' };

interface Account {
  user_id: string;
  email: string;
  display_name: string;
  password_hash: string | null;
  status: string;
  role_key: string | null;
  side: string;
  has_totp: boolean;
  passkey_count: number;
}

export async function findAccount(id: Identity, email: string): Promise<Account | undefined> {
  const [row] = await id.db.withPrincipal(null, (tx) => tx`select * from app.find_account(${email})`);
  return row as Account | undefined;
}

export async function findAccountById(id: Identity, userId: string): Promise<Account | undefined> {
  const [row] = await id.db.withPrincipal(null, (tx) => tx`select * from app.find_account_by_id(${userId})`);
  return row as Account | undefined;
}

/** Logs {"event":"auth.signin.failed","ip":…} (Crowdsec parses it) and records the audit event. */
async function logFailure(c: Context<AppEnv>, id: Identity, reason: string, userId: string | null = null) {
  c.get('log').warn({ event: 'auth.signin.failed', ip: c.get('clientIp'), reason }, 'sign-in failed');
  await id.db.withPrincipal(null, (tx) => c.get('auditor').record(tx, c, {
    action: 'auth.signin.failed', entityType: 'user', entityId: userId, outcome: 'failure', detail: { reason },
  }));
}

/** The hashing lane a sign-in for `email` from this browser uses: its own for a browser that signed in to the account before. */
export const laneOf = (c: Context<AppEnv>, id: Identity, email: string): Lane => (knownDevice(c, id, email) ? 'known_device' : 'general');

const admitted = new WeakMap<Request, Reservation>();

/**
 * Takes this sign-in's place in its hashing lane before any other work
 * (hash-limiter.ts says why); undefined when the lane is full. The caller
 * gives it back when the request ends (a used place is gone by then).
 */
export function admitSignIn(c: Context<AppEnv>, id: Identity, email: string): Reservation | undefined {
  const reservation = hashLimiter().reserve(laneOf(c, id, email));
  if (reservation) admitted.set(c.req.raw, reservation);
  return reservation;
}

export async function signIn(c: Context<AppEnv>, id: Identity, input: SignInInput): Promise<SignInOutcome> {
  // when the lane is full the answer is a fast 503, before any other work
  // (refuseSignInWhileHashingFull has usually answered it before the request limits)
  const lane = laneOf(c, id, input.email);
  const reservation = admitted.get(c.req.raw);
  if (!reservation && !hashLimiter().hasRoom(lane)) throw busy();
  // past the failure threshold a solved proof-of-work challenge first (428 without one)
  try {
    await id.challenges.require(c, 'sign-in', [accountSubject(input.email).key], input.altcha || undefined);
  } catch (error) {
    // refused for want of a solved challenge is a failed sign-in too: Crowdsec must go on counting the
    // IP's attempts (logged only: no audit event per refused request of a flood)
    if (error instanceof HttpError && error.status === 428) {
      c.get('log').warn({ event: 'auth.signin.failed', ip: c.get('clientIp'), reason: error.code }, 'sign-in failed');
    }
    throw error;
  }
  const ip = ipSubject(c.get('clientIp'), id.config.identity.ipLockoutScale);
  // An unlock link redeemed in this browser replaces the account's lock with its own budget.
  const bypass = await unlockBypass(c, id, input.email);
  const accountKey: Subject = bypass ? unlockSubject(bypass.unlock_token_id) : accountSubject(input.email);
  const claimed = await claimAttempt(id.db, [accountKey, ip]);
  if (!claimed.ok) {
    await logFailure(c, id, 'locked');
    await id.challenges.failed(c, 'sign-in');
    if (claimed.subject === accountKey.key && !bypass) {
      const account = await findAccount(id, input.email);
      if (account?.status === 'active') void sendUnlockLink(id, account, c.get('locale'));
    }
    return { kind: 'locked', retryAfterSeconds: claimed.retryAfterSeconds };
  }
  const account = await findAccount(id, input.email);
  let passwordOk: boolean;
  try {
    passwordOk = account?.password_hash
      ? await verifyPassword(account.password_hash, input.password, lane, reservation)
      : (await verifyPassword(await decoyPasswordHash(), input.password, lane, reservation), false);
  } catch (error) {
    // hashing is at its bound (503): nothing was checked, so nothing counts
    await withdrawAttempts(id.db, claimed.claims, false);
    throw error;
  }
  if (!account || !passwordOk || account.status !== 'active') {
    await logFailure(c, id, !account ? 'unknown_account' : account.status !== 'active' ? 'disabled' : 'wrong_password', account?.user_id ?? null);
    await id.challenges.failed(c, 'sign-in');
    const failures = claimed.claims[0]!.failures;
    if (account?.status === 'active' && !bypass) {
      if (failures >= 5) void sendUnlockLink(id, account, c.get('locale'));
      if (failures === 20) void sendLockoutAlert(id, account, 'password', c.get('locale'));
    }
    return { kind: 'failed' };
  }
  await withdrawAttempts(id.db, claimed.claims, true);
  rememberDevice(c, id, account.email);
  if (needsRehash(account.password_hash!)) {
    const fresh = await hashPassword(input.password);
    await id.db.withPrincipal(null, (tx) => tx`select app.rehash_password(${account.user_id}, ${account.password_hash}, ${fresh})`);
  }
  if (!id.networkAllows(account.role_key, c.get('clientIp'))) {
    await logFailure(c, id, 'admin_network', account.user_id);
    c.get('log').warn({ event: 'auth.signin.network_refused', ip: c.get('clientIp'), userId: account.user_id }, 'admin-side sign-in from outside the admin networks');
    return { kind: 'network' };
  }
  if (account.has_totp || account.passkey_count > 0) {
    await createChallenge(c, id, account.user_id, !!bypass, 'second_factor');
    return { kind: 'second_factor' };
  }
  if (mfaRequired(id.config, account.side)) {
    await createChallenge(c, id, account.user_id, !!bypass, 'enrol');
    return { kind: 'enrol' };
  }
  await id.db.withPrincipal(null, (tx) => startSession(c, tx, { userId: account.user_id, roleKey: account.role_key, side: account.side }, 'password', id.config));
  c.get('log').info({ event: 'auth.signin.succeeded', ip: c.get('clientIp'), userId: account.user_id }, 'signed in');
  return { kind: 'signed_in' };
}

export const deviceCookie = '__Host-kastell-device';
const deviceDays = 90;

/** Marks this browser as one that knew the account's password (sealed: unforgeable, unreadable). */
function rememberDevice(c: Context<AppEnv>, id: Identity, email: string): void {
  const sealed = id.box.seal(JSON.stringify({ e: email.trim().toLowerCase(), x: Date.now() + deviceDays * 86_400_000 }), 'device-cookie');
  setCookie(c, deviceCookie, sealed.replace(/:/g, '.'), { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: deviceDays * 86_400 });
}

function knownDevice(c: Context<AppEnv>, id: Identity, email: string): boolean {
  return deviceCookieAccount(id.box, getCookie(c, deviceCookie)) === email.trim().toLowerCase();
}

/** The address a device cookie was sealed for while it is unexpired; undefined for anything else. */
function deviceCookieAccount(box: SecretBox, value: string | undefined): string | undefined {
  if (!value || value.length > 600) return undefined;
  try {
    const { e, x } = JSON.parse(box.open(value.replace(/\./g, ':'), 'device-cookie')) as { e: string; x: number };
    return x > Date.now() ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * While the general hashing lane is full, a sign-in without a device cookie
 * that opens can only get a 503: it is answered in front of the framework
 * (app/http/overload.ts), at the cost of a bare 503, so that a flood's
 * refusals leave the event loop to the known devices' sign-ins and the fast
 * answers. A request carrying a device cookie goes on to the framework,
 * where the lane is chosen with the address in its body
 * (refuseSignInWhileHashingFull).
 */
export function refuseSignInEarlyWhileHashingFull(box: SecretBox): EarlyRefusal {
  return {
    name: 'sign-in busy',
    refuses: (request, path) =>
      !hashLimiter().hasRoom('general') && endpointOf(request.method ?? '', path) === 'sign-in'
      && deviceCookieAccount(box, parseCookie(request.headers.cookie ?? '', deviceCookie)[deviceCookie]) === undefined,
    error: busy(),
    page: { title: 'signIn.title', message: 'signIn.busy', link: { href: '/sign-in', text: 'signIn.title' } },
  };
}

async function unlockBypass(c: Context<AppEnv>, id: Identity, email: string) {
  const token = getCookie(c, unlockCookie);
  if (!token || !tokenPattern.test(token)) return undefined;
  const [row] = await id.db.withPrincipal(null, (tx) => tx`select * from app.find_unlock_bypass(${hashToken(token)})`);
  if (!row || String(row.email).toLowerCase() !== email.trim().toLowerCase()) return undefined;
  return row as { unlock_token_id: string; user_id: string; email: string };
}

/** The password was right: a second-factor challenge (audited as auth.password.accepted), no session yet. */
async function createChallenge(c: Context<AppEnv>, id: Identity, userId: string, viaUnlock: boolean, next: 'second_factor' | 'enrol'): Promise<void> {
  await id.db.withPrincipal(null, async (tx) => {
    await openChallenge(c, tx, userId, viaUnlock);
    await c.get('auditor').record(tx, c, { action: 'auth.password.accepted', entityType: 'user', entityId: userId, detail: { next, viaUnlock } });
  });
}

/**
 * A challenge in the caller's transaction: the browser holds it between the
 * password (or the set-up link) and the second factor; no session exists
 * until /sign-in/factor or /sign-in/enrol completes it.
 */
export async function openChallenge(c: Context<AppEnv>, tx: Tx, userId: string, viaUnlock = false): Promise<void> {
  const { token, hash } = newToken();
  await tx`select app.create_auth_challenge(${hash}, 'second_factor', ${userId}, null, ${viaUnlock}, ${`${challengeMinutes} minutes`}::interval)`;
  setCookie(c, challengeCookie, token, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: challengeMinutes * 60 });
}

/** The user between password and second factor, from the challenge cookie. */
export async function pendingChallenge(c: Context<AppEnv>, id: Identity): Promise<{ hash: Buffer; userId: string } | undefined> {
  const token = getCookie(c, challengeCookie);
  if (!token || !tokenPattern.test(token)) return undefined;
  const hash = hashToken(token);
  const [row] = await id.db.withPrincipal(null, (tx) => tx`select * from app.find_auth_challenge(${hash}, 'second_factor')`);
  return row ? { hash, userId: row.user_id } : undefined;
}

export type FactorOutcome = { kind: 'signed_in' } | { kind: 'failed' } | { kind: 'locked'; retryAfterSeconds: number } | { kind: 'expired' };

/**
 * Checks a TOTP code or a backup code for a user — in a sign-in challenge
 * (challengeHash) or a signed-in re-authentication (null). Counted on the
 * user's factor subject, so guessing codes locks like guessing passwords.
 */
export async function checkSecondFactor(c: Context<AppEnv>, id: Identity, userId: string, challengeHash: Buffer | null, code: string): Promise<'ok' | 'failed' | { locked: number }> {
  const claimed = await claimAttempt(id.db, [factorSubject(userId), ipSubject(c.get('clientIp'), id.config.identity.ipLockoutScale)]);
  if (!claimed.ok) return { locked: claimed.retryAfterSeconds };
  let ok = false;
  const compact = code.replace(/\s+/g, '');
  if (totpCodePattern.test(compact)) {
    const [state] = await id.db.withPrincipal(challengeHash ? null : { userId }, (tx) => tx`select * from app.totp_state(${userId}, ${challengeHash})`);
    if (state?.secret_enc) {
      const secret = id.box.open(state.secret_enc, totpAad(userId));
      const step = await matchTotp(secret, compact, Number(state.last_step));
      if (step !== null) {
        // the UPDATE … WHERE last_step < step makes a replay (even a concurrent one) fail
        const [used] = await id.db.withPrincipal(challengeHash ? null : { userId }, (tx) => tx`select app.use_totp_step(${userId}, ${challengeHash}, ${step}) as ok`);
        ok = used?.ok === true;
      }
    }
  } else {
    ok = await backupCodeUsable(id, userId, challengeHash, code);
  }
  if (ok) {
    await withdrawAttempts(id.db, claimed.claims, true);
    return 'ok';
  }
  if (claimed.claims[0]!.failures === 20) {
    const account = await findAccountById(id, userId);
    if (account) void sendLockoutAlert(id, account, 'second_factor', c.get('locale'));
  }
  return 'failed';
}

export async function completeSecondFactor(c: Context<AppEnv>, id: Identity, code: string): Promise<FactorOutcome> {
  const challenge = await pendingChallenge(c, id);
  if (!challenge) return { kind: 'expired' };
  const result = await checkSecondFactor(c, id, challenge.userId, challenge.hash, code);
  if (result === 'failed') {
    await logFailure(c, id, 'second_factor', challenge.userId);
    return { kind: 'failed' };
  }
  if (typeof result === 'object') {
    await logFailure(c, id, 'second_factor_locked', challenge.userId);
    return { kind: 'locked', retryAfterSeconds: result.locked };
  }
  const method = totpCodePattern.test(code.replace(/\s+/g, '')) ? 'password+totp' : 'password+backup_code';
  await finishChallenge(c, id, challenge.hash, challenge.userId, method);
  return { kind: 'signed_in' };
}

/** Consumes the challenge and starts the session. */
export async function finishChallenge(c: Context<AppEnv>, id: Identity, challengeHash: Buffer, userId: string, method: string): Promise<boolean> {
  const account = await findAccountById(id, userId);
  if (!account || account.status !== 'active') return false;
  const started = await id.db.withPrincipal(null, async (tx) => {
    const [consumed] = await tx`select * from app.consume_auth_challenge(${challengeHash}, 'second_factor')`;
    if (!consumed) return false;
    await startSession(c, tx, { userId, roleKey: account.role_key, side: account.side }, method, id.config);
    return true;
  });
  deleteCookie(c, challengeCookie, { path: '/', secure: true });
  if (started) c.get('log').info({ event: 'auth.signin.succeeded', ip: c.get('clientIp'), userId, method }, 'signed in');
  return started;
}
