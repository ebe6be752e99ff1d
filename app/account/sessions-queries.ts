// The signed-in user's own sessions. Ending goes through the app.*
// functions, which check ownership again and stop the token at once.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { Session } from './schema.ts';

type SessionRow = { session_id: string; user_agent: string | null; ip: string | null; created_at: Date; last_seen_at: Date };

/** A short device description from the user agent (no fingerprinting, just words a person recognises). */
export function describeDevice(userAgent: string | null): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  const words = [browser, os].filter(Boolean).join(' on ');
  return words || (ua ? ua.slice(0, 60) : 'Unknown device');
}

/** `currentSessionId`: the session the request came with, marked `current`. */
export const presentSession = (row: SessionRow, currentSessionId: string): Session => ({
  sessionId: row.session_id,
  device: describeDevice(row.user_agent),
  ip: row.ip,
  createdAt: row.created_at.toISOString(),
  lastSeenAt: row.last_seen_at.toISOString(),
  current: row.session_id === currentSessionId,
});

export async function listOwnSessions(tx: Tx, user: { userId: string; sessionId: string }): Promise<Session[]> {
  const rows = await tx<SessionRow[]>`
    select session_id, user_agent, ip, created_at, last_seen_at from kastell.sessions
    where user_id = ${user.userId} and ended_at is null and expires_at > now()
    order by last_seen_at desc`;
  return rows.map((row) => presentSession(row, user.sessionId));
}

/** Ends one of the user's own live sessions; false when there is no such session. */
export async function endOwnSession(tx: Tx, audit: Audit, userId: string, sessionId: string): Promise<boolean> {
  const [own] = await tx`select 1 from kastell.sessions where session_id = ${sessionId} and user_id = ${userId} and ended_at is null`;
  if (!own) return false;
  const [row] = await tx<{ ok: boolean | null }[]>`select app.end_session_by_id(${sessionId}, 'ended_by_user') as ok`;
  if (row?.ok !== true) return false;
  await audit(tx, { action: 'session.ended', entityType: 'session', entityId: sessionId });
  return true;
}

/** Ends every session of the user except `keepSessionId`; how many it ended. */
export async function endOtherSessions(tx: Tx, audit: Audit, userId: string, keepSessionId: string): Promise<number> {
  const [row] = await tx<{ n: number | null }[]>`select app.end_sessions_of(${userId}, 'ended_by_user', ${keepSessionId}) as n`;
  const count = Number(row?.n ?? 0);
  await audit(tx, { action: 'sessions.ended', entityType: 'user', entityId: userId, detail: { count } });
  return count;
}
