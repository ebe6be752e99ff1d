// What the appliance suite reads out of tool output, as pure functions with
// no VM behind them, so test/ops/appliance-checks.test.js can hold them
// against sample output in npm test.

/** Totals of every PLAY RECAP line of an ansible-playbook run. */
export function recap(output) {
  const totals = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  for (const m of output.matchAll(/ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/g)) {
    totals.ok += Number(m[1]); totals.changed += Number(m[2]); totals.unreachable += Number(m[3]); totals.failed += Number(m[4]);
  }
  return totals;
}

/** The names of the tasks and handlers that reported `changed:`. */
export function changedTasks(output) {
  const names = [];
  let current = '';
  for (const line of output.split('\n')) {
    const t = /^(?:TASK|RUNNING HANDLER) \[(.+?)\]/.exec(line);
    if (t) current = t[1];
    if (/^changed: /.test(line)) names.push(current);
  }
  return names;
}

/** Kastell's own Crowdsec scenario (ansible/roles/crowdsec/templates/etc/crowdsec/scenarios/kastell-signin-bf.yaml.j2). */
export const KASTELL_SCENARIO = 'kastell/signin-bf';

/**
 * The decisions for `ip` in the output of `cscli decisions list -o json`: an
 * array of alerts, each with its `decisions` (`null` when there is none).
 * A decision's scenario is its own, else its alert's.
 */
export function decisionsFor(json, ip) {
  const alerts = JSON.parse(json) ?? [];
  if (!Array.isArray(alerts)) throw new Error(`cscli decisions list -o json gave ${typeof alerts}, not an array of alerts`);
  return alerts.flatMap((alert) => (alert.decisions ?? []).map((d) => ({
    value: d.value, type: d.type, origin: d.origin, scenario: d.scenario ?? alert.scenario,
  }))).filter((d) => d.value === ip);
}

/** ok when `ip` is banned by Kastell's scenario; a ban from any other scenario does not count. */
export function kastellBan(json, ip, scenario = KASTELL_SCENARIO) {
  let decisions;
  try {
    decisions = decisionsFor(json, ip);
  } catch (error) {
    return { ok: false, figure: `no decisions to read (${error.message})` };
  }
  const ok = decisions.some((d) => d.type === 'ban' && d.scenario === scenario);
  const seen = decisions.map((d) => `${d.type} by ${d.scenario} (${d.origin})`).join(', ') || 'none';
  return { ok, figure: `decisions for ${ip}: ${seen}${ok ? '' : `; none is a ban by ${scenario}`}` };
}
