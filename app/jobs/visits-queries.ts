// Visits: one technician's check-in and check-out on a job, with notes. The
// technician is assigned to the job (a foreign key to the assignment) and
// has at most one open visit per job (a unique index): sql/0010.
import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import { openField, sealField, uuidv7 } from '../crypto/fields.ts';
import type { Tx } from '../db/client.ts';
import type { Visit, checkInSchema, checkOutSchema } from './schema.ts';

type Row = { visit_id: string; job_id: string; technician_id: string; check_in_at: Date; check_out_at: Date | null; notes: string | null };
const columns = 'visit_id, job_id, technician_id, check_in_at, check_out_at, notes';

export const presentVisit = (row: Row): Visit => ({
  visitId: row.visit_id,
  jobId: row.job_id,
  technicianId: row.technician_id,
  checkInAt: row.check_in_at.toISOString(),
  checkOutAt: row.check_out_at ? row.check_out_at.toISOString() : null,
  notes: openField('visits', 'notes', row.visit_id, row.notes),
});

export async function listVisitsOfJob(tx: Tx, jobId: string): Promise<Visit[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from visits where job_id = ${jobId} order by check_in_at, visit_id`;
  return rows.map(presentVisit);
}

/** Checks a technician in (the caller when none is named); undefined when the job is not visible. */
export async function checkIn(tx: Tx, audit: Audit, jobId: string, input: z.infer<typeof checkInSchema>): Promise<Visit | undefined> {
  const [job] = await tx<{ company_id: string }[]>`select company_id from jobs where job_id = ${jobId}`;
  if (!job) return undefined;
  const visitId = uuidv7();
  const [row] = await tx<Row[]>`
    insert into visits (visit_id, job_id, technician_id, company_id, notes, recorded_by)
    values (${visitId}, ${jobId}, coalesce(${input.technicianId ?? null}::uuid, app.current_user_id()), ${job.company_id},
            ${sealField('visits', 'notes', visitId, job.company_id, input.notes)},
            app.current_user_id())
    returning ${tx.unsafe(columns)}`;
  await audit(tx, { action: 'visit.checked_in', entityType: 'visit', entityId: row!.visit_id, companyId: job.company_id,
    detail: { job: jobId, technician: row!.technician_id } });
  return presentVisit(row!);
}

/** Checks out an open visit; undefined when it is not visible, not open or not the caller's to close. */
export async function checkOut(tx: Tx, audit: Audit, visitId: string, input: z.infer<typeof checkOutSchema>): Promise<Visit | undefined> {
  const [visit] = await tx<{ company_id: string }[]>`select company_id from visits where visit_id = ${visitId}`;
  if (!visit) return undefined;
  const [row] = await tx<(Row & { company_id: string })[]>`
    update visits set check_out_at = now(), notes = coalesce(${sealField('visits', 'notes', visitId, visit.company_id, input.notes)}, notes)
    where visit_id = ${visitId} and check_out_at is null
    returning ${tx.unsafe(columns)}, company_id`;
  if (!row) return undefined;
  await audit(tx, { action: 'visit.checked_out', entityType: 'visit', entityId: visitId, companyId: row.company_id,
    detail: { job: row.job_id } });
  return presentVisit(row);
}
