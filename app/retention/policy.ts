// Retention per resource type (SPEC §3 "Privacy and retention"). The
// resources, their defaults and the KASTELL_RETENTION parser live in
// app/config.ts (the core parses configuration and imports no feature);
// this file adds what the purge needs: which resources it deletes, and the
// cutoff of a period.

import { retentionResources, type Period, type RetentionResource } from '../config.ts';

export { formatPeriod, parseRetention, resourceNames, retentionResources, type Period, type RetentionPolicy, type RetentionResource } from '../config.ts';

/** Resources the purge deletes; service reports are kept (see README "Privacy and retention"). */
export const purgedResources = (Object.keys(retentionResources) as RetentionResource[]).filter((r) => r !== 'service_reports');

/** The moment before which a resource's rows are past retention. */
export function cutoffFor(period: Period, now: Date): Date {
  const cutoff = new Date(now);
  if (period.unit === 'y') cutoff.setUTCFullYear(cutoff.getUTCFullYear() - period.count);
  else if (period.unit === 'm') cutoff.setUTCMonth(cutoff.getUTCMonth() - period.count);
  else cutoff.setUTCDate(cutoff.getUTCDate() - period.count);
  return cutoff;
}
