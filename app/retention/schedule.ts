// The daily purge inside the server (node-cron, with KASTELL_JOBS=on and
// KASTELL_RETENTION_SCHEDULE=on: the embedded default). On the appliance a
// systemd timer runs `kastell retention run --apply` instead
// (systemd/kastell-retention.timer) and the role sets the schedule off.
import { scheduleOneAtATime } from '../schedule.ts';
import type { RetentionPolicy } from './policy.ts';
import { applyRetention, planRetention, type RetentionDeps } from './purge.ts';

export function scheduleRetention(deps: RetentionDeps & { policy: RetentionPolicy }): { stop(): Promise<void> } {
  return scheduleOneAtATime('45 3 * * *', () => planRetention(deps.db, deps.policy).then((plan) => applyRetention(deps, plan)),
    (error) => deps.log.error({ err: error }, 'retention purge failed to run'));
}
