// Passkeys (WebAuthn) with @simplewebauthn/server: discoverable credentials
// (resident keys), user verification required. A passkey with user
// verification is two factors in one (possession + PIN/biometric), so it
// signs in on its own and is never subject to the password lockout — which
// is how the real user gets in while an attacker hammers the password.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv, SessionUser } from '../http/context.ts';
import type { Identity } from './identity.ts';
import { claimAttempt, ipSubject, withdrawAttempts } from './lockout.ts';
import { findAccountById } from './sign-in.ts';
import { startSession } from './session.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';

export const webauthnCookie = '__Host-kastell-webauthn';

function relyingParty(id: Identity) {
  const url = new URL(id.config.publicUrl);
  return { rpID: url.hostname, origin: url.origin, rpName: 'Kastell' };
}

async function storeChallenge(c: Context<AppEnv>, id: Identity, purpose: string, userId: string | null, challenge: string) {
  const { token, hash } = newToken();
  await id.db.withPrincipal(null, (tx) =>
    tx`select app.create_auth_challenge(${hash}, ${purpose}, ${userId}, ${challenge}, false, '5 minutes'::interval)`);
  setCookie(c, webauthnCookie, token, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: 300 });
}

async function takeChallenge(c: Context<AppEnv>, id: Identity, purpose: string): Promise<{ userId: string | null; challenge: string } | undefined> {
  const token = getCookie(c, webauthnCookie);
  deleteCookie(c, webauthnCookie, { path: '/', secure: true });
  if (!token || !tokenPattern.test(token)) return undefined;
  const [row] = await id.db.withPrincipal(null, (tx) => tx`select * from app.consume_auth_challenge(${hashToken(token)}, ${purpose})`);
  return row ? { userId: row.user_id, challenge: row.webauthn_challenge } : undefined;
}

/** Options for a passwordless sign-in: no user named, any discoverable passkey of this site. */
export async function signInOptions(c: Context<AppEnv>, id: Identity) {
  const { rpID } = relyingParty(id);
  const options = await generateAuthenticationOptions({ rpID, userVerification: 'required', allowCredentials: [] });
  await storeChallenge(c, id, 'webauthn_sign_in', null, options.challenge);
  return options;
}

export type PasskeySignIn = { kind: 'signed_in' } | { kind: 'failed' } | { kind: 'locked'; retryAfterSeconds: number } | { kind: 'network' };

export async function signInWithPasskey(c: Context<AppEnv>, id: Identity, response: AuthenticationResponseJSON): Promise<PasskeySignIn> {
  // Only the client IP is counted (the account's password lock does not apply: no hostage-taking).
  const claimed = await claimAttempt(id.db, [ipSubject(c.get('clientIp'), id.config.identity.ipLockoutScale)]);
  if (!claimed.ok) return { kind: 'locked', retryAfterSeconds: claimed.retryAfterSeconds };
  const fail = async () => {
    c.get('log').warn({ event: 'auth.signin.failed', ip: c.get('clientIp'), reason: 'passkey' }, 'sign-in failed');
    await id.db.withPrincipal(null, (tx) => c.get('auditor').record(tx, c, { action: 'auth.signin.failed', entityType: 'user', outcome: 'failure', detail: { reason: 'passkey' } }));
    return { kind: 'failed' as const };
  };
  const challenge = await takeChallenge(c, id, 'webauthn_sign_in');
  if (!challenge || typeof response?.id !== 'string') return await fail();
  const [stored] = await id.db.withPrincipal(null, (tx) => tx`select * from app.find_passkey(${response.id})`);
  if (!stored) return await fail();
  const { rpID, origin } = relyingParty(id);
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      credential: { id: response.id, publicKey: new Uint8Array(stored.public_key), counter: Number(stored.sign_count), transports: stored.transports },
    });
  } catch {
    return await fail();
  }
  if (!verification.verified || !verification.authenticationInfo.userVerified) return await fail();
  await id.db.withPrincipal(null, (tx) => tx`select app.record_passkey_use(${stored.passkey_id}, ${verification.authenticationInfo.newCounter})`);
  const account = await findAccountById(id, stored.user_id);
  if (!account || account.status !== 'active') return await fail();
  await withdrawAttempts(id.db, claimed.claims, false);
  if (!id.networkAllows(account.role_key, c.get('clientIp'))) return { kind: 'network' };
  await id.db.withPrincipal(null, async (tx) => {
    // a pending password challenge of this browser is done with too
    await startSession(c, tx, { userId: account.user_id, roleKey: account.role_key, side: account.side }, 'passkey', id.config);
  });
  c.get('log').info({ event: 'auth.signin.succeeded', ip: c.get('clientIp'), userId: account.user_id, method: 'passkey' }, 'signed in');
  return { kind: 'signed_in' };
}

/** Options to register a new passkey for the signed-in user (existing ones excluded). */
export async function registrationOptions(c: Context<AppEnv>, id: Identity, user: SessionUser) {
  const { rpID, rpName } = relyingParty(id);
  const existing = await id.db.withPrincipal({ userId: user.userId }, (tx) => tx`select * from app.passkey_credentials_of(${user.userId}, null)`);
  const options = await generateRegistrationOptions({
    rpName,
    rpID,
    userName: user.email,
    userDisplayName: user.displayName,
    userID: new TextEncoder().encode(user.userId),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id as string, transports: p.transports as string[] })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  });
  await storeChallenge(c, id, 'webauthn_register', user.userId, options.challenge);
  return options;
}

export async function registerPasskey(c: Context<AppEnv>, id: Identity, user: SessionUser, name: string, response: RegistrationResponseJSON): Promise<boolean> {
  const challenge = await takeChallenge(c, id, 'webauthn_register');
  if (!challenge || challenge.userId !== user.userId) return false;
  const { rpID, origin } = relyingParty(id);
  let verification;
  try {
    verification = await verifyRegistrationResponse({ response, expectedChallenge: challenge.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true });
  } catch {
    return false;
  }
  if (!verification.verified || !verification.registrationInfo) return false;
  const { credential } = verification.registrationInfo;
  await id.db.withPrincipal({ userId: user.userId }, async (tx) => {
    const [row] = await tx`select app.add_passkey(${credential.id}, ${Buffer.from(credential.publicKey)}, ${credential.counter}, ${credential.transports ?? []}, ${name}) as passkey_id`;
    await c.get('auditor').record(tx, c, { action: 'auth.passkey.added', entityType: 'passkey', entityId: row!.passkey_id, detail: { name } });
  });
  return true;
}
