// TOTP enrolment, backup codes and factor removal, for a user in a sign-in
// challenge (challengeHash) or signed in (challengeHash null).
import type { Audit } from '../db/audit-event.ts';
import type { Identity } from './identity.ts';
import { hashBackupCodes, newBackupCodes, normaliseBackupCode, type BackupCode } from './backup-codes.ts';
import { verifyPassword } from './password.ts';
import { matchTotp, newTotpSecret, totpQrSvg, totpUri } from './totp.ts';
import { totpAad } from '../crypto/fields.ts';

const principalFor = (userId: string, challengeHash: Buffer | null) => (challengeHash ? null : { userId });

export interface Enrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}

/** Starts (or restarts) TOTP enrolment: a new secret, sealed, pending until a code confirms it. */
export async function beginTotpEnrolment(id: Identity, userId: string, email: string, challengeHash: Buffer | null): Promise<Enrolment> {
  const secret = newTotpSecret();
  const sealed = id.box.seal(secret, totpAad(userId));
  await id.db.withPrincipal(principalFor(userId, challengeHash), (tx) => tx`select app.begin_totp_enrolment(${userId}, ${challengeHash}, ${sealed})`);
  const uri = totpUri(secret, email, 'Kastell');
  return { secret, uri, qrSvg: await totpQrSvg(uri) };
}

/** The pending secret (to show the same QR again after a wrong code). */
export async function pendingEnrolment(id: Identity, userId: string, email: string, challengeHash: Buffer | null): Promise<Enrolment | null> {
  const [state] = await id.db.withPrincipal(principalFor(userId, challengeHash), (tx) => tx`select * from app.totp_state(${userId}, ${challengeHash})`);
  if (!state?.pending_secret_enc) return null;
  const secret = id.box.open(state.pending_secret_enc, totpAad(userId));
  const uri = totpUri(secret, email, 'Kastell');
  return { secret, uri, qrSvg: await totpQrSvg(uri) };
}

/**
 * Confirms enrolment with a code and records auth.totp.enrolled with it;
 * returns the fresh backup codes (shown once) or null when the code is wrong.
 */
export async function confirmTotpEnrolment(id: Identity, audit: Audit, userId: string, challengeHash: Buffer | null, code: string): Promise<BackupCode[] | null> {
  const principal = principalFor(userId, challengeHash);
  const [state] = await id.db.withPrincipal(principal, (tx) => tx`select * from app.totp_state(${userId}, ${challengeHash})`);
  if (!state?.pending_secret_enc) return null;
  const secret = id.box.open(state.pending_secret_enc, totpAad(userId));
  const step = await matchTotp(secret, code.replace(/\s+/g, ''));
  if (step === null) return null;
  const codes = newBackupCodes();
  const hashes = await hashBackupCodes(codes);
  const confirmed = await id.db.withPrincipal(principal, async (tx) => {
    const [row] = await tx`select app.confirm_totp_enrolment(${userId}, ${challengeHash}, ${step}) as ok`;
    if (!row?.ok) return false;
    await tx`select app.replace_backup_codes(${userId}, ${challengeHash}, ${hashes})`;
    await audit(tx, { action: 'auth.totp.enrolled', entityType: 'user', entityId: userId });
    return true;
  });
  return confirmed ? codes : null;
}

/** Replaces the signed-in user's backup codes and records auth.backup_codes.regenerated with them. */
export async function regenerateBackupCodes(id: Identity, audit: Audit, userId: string): Promise<BackupCode[]> {
  const codes = newBackupCodes();
  const hashes = await hashBackupCodes(codes);
  await id.db.withPrincipal({ userId }, async (tx) => {
    await tx`select app.replace_backup_codes(${userId}, null, ${hashes})`;
    await audit(tx, { action: 'auth.backup_codes.regenerated', entityType: 'user', entityId: userId });
  });
  return codes;
}

/** Checks a backup code and marks it used — once: a second use, even a concurrent one, fails. */
export async function backupCodeUsable(id: Identity, userId: string, challengeHash: Buffer | null, input: string): Promise<boolean> {
  const parsed = normaliseBackupCode(input);
  if (!parsed) return false;
  const principal = principalFor(userId, challengeHash);
  const [row] = await id.db.withPrincipal(principal, (tx) => tx`select app.backup_code_hash(${userId}, ${challengeHash}, ${parsed.slot}) as hash`);
  if (!row?.hash || !(await verifyPassword(row.hash, parsed.secret))) return false;
  const [used] = await id.db.withPrincipal(principal, (tx) => tx`select app.use_backup_code(${userId}, ${challengeHash}, ${parsed.slot}, ${row.hash}) as ok`);
  return used?.ok === true;
}
