// The trust page's reads and the breach register's writes. The summaries
// (latest verification, factor adoption) come from SECURITY DEFINER
// functions that answer counts and times only (sql/0015_trust.sql); breaches
// are public rows, written with trust.manage and audited in the same
// transaction.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { Breach, BreachInput, BreachNotification, PublicBreach } from './schema.ts';

type BreachRow = {
  breach_id: string; title: string; description: string | null; occurred_on: string | null; discovered_on: string;
  authority: string | null; authority_notified_on: string | null; subjects_notified_on: string | null;
  entered_by: string | null; created_at: Date; updated_at: Date;
};

// dates as text: a date column would arrive as a Date at local midnight
const columns = `breach_id, title, description, occurred_on::text, discovered_on::text, authority,
  authority_notified_on::text, subjects_notified_on::text, entered_by, created_at, updated_at`;

export const presentPublicBreach = (row: BreachRow): PublicBreach => ({
  title: row.title,
  description: row.description,
  occurredOn: row.occurred_on,
  discoveredOn: row.discovered_on,
  authority: row.authority,
  authorityNotifiedOn: row.authority_notified_on,
  subjectsNotifiedOn: row.subjects_notified_on,
  enteredAt: row.created_at.toISOString(),
});

export const presentBreach = (row: BreachRow): Breach => ({
  ...presentPublicBreach(row),
  breachId: row.breach_id,
  enteredBy: row.entered_by,
  updatedAt: row.updated_at.toISOString(),
});

export async function listBreaches(tx: Tx): Promise<Breach[]> {
  const rows = await tx<BreachRow[]>`select ${tx.unsafe(columns)} from notifiable_breaches order by discovered_on desc, created_at desc`;
  return rows.map(presentBreach);
}

export async function listPublicBreaches(tx: Tx): Promise<PublicBreach[]> {
  const rows = await tx<BreachRow[]>`select ${tx.unsafe(columns)} from notifiable_breaches order by discovered_on desc, created_at desc`;
  return rows.map(presentPublicBreach);
}

export async function createBreach(tx: Tx, audit: Audit, input: BreachInput): Promise<Breach> {
  const [row] = await tx<BreachRow[]>`
    insert into notifiable_breaches (title, description, occurred_on, discovered_on, authority, authority_notified_on, subjects_notified_on)
    values (${input.title}, ${input.description ?? null}, ${input.occurredOn ?? null}, ${input.discoveredOn}, ${input.authority ?? null},
            ${input.authorityNotifiedOn ?? null}, ${input.subjectsNotifiedOn ?? null})
    returning ${tx.unsafe(columns)}`;
  await audit(tx, { action: 'trust.breach_recorded', entityType: 'notifiable_breach', entityId: row!.breach_id,
    detail: { discoveredOn: input.discoveredOn, authorityNotifiedOn: input.authorityNotifiedOn ?? null, subjectsNotifiedOn: input.subjectsNotifiedOn ?? null } });
  return presentBreach(row!);
}

/** Fills in who was told and when; a field left out stays as it is (a date once entered is not taken back). */
export async function recordBreachNotification(tx: Tx, audit: Audit, breachId: string, input: BreachNotification): Promise<Breach | undefined> {
  const [row] = await tx<BreachRow[]>`
    update notifiable_breaches set
      authority = coalesce(${input.authority ?? null}, authority),
      authority_notified_on = coalesce(${input.authorityNotifiedOn ?? null}::date, authority_notified_on),
      subjects_notified_on = coalesce(${input.subjectsNotifiedOn ?? null}::date, subjects_notified_on)
    where breach_id = ${breachId}
    returning ${tx.unsafe(columns)}`;
  if (row) {
    await audit(tx, { action: 'trust.breach_notified', entityType: 'notifiable_breach', entityId: breachId,
      detail: { fields: Object.keys(input).join(','), authorityNotifiedOn: row.authority_notified_on, subjectsNotifiedOn: row.subjects_notified_on } });
  }
  return row && presentBreach(row);
}

export interface VerificationSummary { ok: boolean; checkedLinks: number; headSeq: number | null; firstBadSeq: number | null; verifiedAt: Date }

export async function findVerificationSummary(tx: Tx): Promise<VerificationSummary | undefined> {
  const [row] = await tx<Array<{ ok: boolean; checked_links: string; head_seq: string | null; first_bad_seq: string | null; verified_at: Date }>>`
    select ok, checked_links, head_seq, first_bad_seq, verified_at from audit.latest_verification_summary()`;
  return row && {
    ok: row.ok, checkedLinks: Number(row.checked_links), headSeq: row.head_seq === null ? null : Number(row.head_seq),
    firstBadSeq: row.first_bad_seq === null ? null : Number(row.first_bad_seq), verifiedAt: row.verified_at,
  };
}

export async function findCheckpointSummary(tx: Tx): Promise<{ seq: number | null; signedAt: Date | null; headSeq: number }> {
  const [checkpoint] = await tx<Array<{ seq: string; created_at: Date }>>`select seq, created_at from audit.latest_checkpoint()`;
  const [head] = await tx<Array<{ seq: string }>>`select seq from audit.chain_head()`;
  return { seq: checkpoint ? Number(checkpoint.seq) : null, signedAt: checkpoint?.created_at ?? null, headSeq: Number(head?.seq ?? 0) };
}

export interface RoleAdoption { role: string; roleName: string | null; side: string; accounts: number; withFactor: number; withPasskey: number }

export async function findFactorAdoption(tx: Tx): Promise<RoleAdoption[]> {
  const rows = await tx<Array<{ role_key: string; role_name: string | null; side: string; accounts: string; with_factor: string; with_passkey: string }>>`
    select role_key, role_name, side, accounts, with_factor, with_passkey from app.factor_adoption_by_role()`;
  return rows.map((r) => ({ role: r.role_key, roleName: r.role_name, side: r.side, accounts: Number(r.accounts), withFactor: Number(r.with_factor), withPasskey: Number(r.with_passkey) }));
}
