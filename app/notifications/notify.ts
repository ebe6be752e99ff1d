// The one way a feature tells people about something: call notify() inside
// the transaction of the action. sql/0013's app.notify() picks the
// recipients (the caller may not see them), applies their preferences and
// leaves e-mails as pending rows, which deliver-mail.ts sends once the
// transaction has committed — a rolled-back action tells nobody.
import type { Tx } from '../db/client.ts';
import type { Audience, NotificationKind } from './schema.ts';

export { notificationKinds, type NotificationKind, type Audience } from './schema.ts';

export type NotifyEvent = { kind: NotificationKind } & ({ jobId: string; requestId?: undefined } | { requestId: string; jobId?: undefined }) & (
  /** everyone in these audiences who may read the job or request */
  | { audience: Audience[]; userIds?: string[] }
  /** only these users, if they are in an audience of the job or request (the others are skipped) */
  | { audience?: undefined; userIds: string[] }
);

/** Tells the recipients; answers how many were told. Refused (42501) when the caller cannot see the job or request. */
export async function notify(tx: Tx, event: NotifyEvent): Promise<number> {
  const [row] = await tx<{ told: number }[]>`
    select app.notify(${event.kind}, ${event.jobId ?? null}::uuid, ${event.requestId ?? null}::uuid,
                      ${event.audience ?? null}::text[], ${event.userIds ?? null}::uuid[]) as told`;
  return row!.told;
}
