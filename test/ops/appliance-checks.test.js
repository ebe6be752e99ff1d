// The appliance suite's readings of tool output (test/appliance/checks.js),
// held against sample output: the VM suite cannot run in npm test, its
// verdicts can.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KASTELL_SCENARIO, changedTasks, decisionsFor, kastellBan, recap } from '../appliance/checks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ip = '198.51.100.7';

// the shape of `cscli decisions list -o json`: alerts, each with its decisions
const alert = (scenario, value = ip, extra = {}) => ({
  id: 7, scenario, source: { ip: value, scope: 'Ip', value },
  decisions: [{ id: 12, origin: 'crowdsec', scenario, scope: 'Ip', type: 'ban', value, duration: '3h59m', ...extra }],
});

test("the suite checks for the scenario the crowdsec role installs", () => {
  const scenario = readFileSync(join(root, 'ansible', 'roles', 'crowdsec', 'templates', 'etc', 'crowdsec', 'scenarios', 'kastell-signin-bf.yaml.j2'), 'utf8');
  assert.equal(/^name: (\S+)$/m.exec(scenario)?.[1], KASTELL_SCENARIO);
});

test("Crowdsec: a ban from Kastell's own scenario passes", () => {
  const r = kastellBan(JSON.stringify([alert('kastell/signin-bf')]), ip);
  assert.equal(r.ok, true, r.figure);
  assert.match(r.figure, /ban by kastell\/signin-bf \(crowdsec\)/);
});

test('Crowdsec: a ban of the same IP from any other scenario fails', () => {
  for (const scenario of ['crowdsecurity/ssh-bf', 'crowdsecurity/http-probing', "manual 'ban' from 'localhost'"]) {
    const r = kastellBan(JSON.stringify([alert(scenario)]), ip);
    assert.equal(r.ok, false, `${scenario}: ${r.figure}`);
    assert.match(r.figure, /none is a ban by kastell\/signin-bf/);
  }
});

test("Crowdsec: Kastell's scenario banning another IP, a captcha instead of a ban, no decisions, or unreadable output fail", () => {
  assert.equal(kastellBan(JSON.stringify([alert('kastell/signin-bf', '203.0.113.9')]), ip).ok, false);
  assert.equal(kastellBan(JSON.stringify([alert('kastell/signin-bf', ip, { type: 'captcha' })]), ip).ok, false);
  assert.equal(kastellBan('null', ip).ok, false);
  assert.equal(kastellBan('[]', ip).ok, false);
  assert.equal(kastellBan('', ip).ok, false);
  assert.equal(kastellBan('{"message":"no LAPI"}', ip).ok, false);
});

test("Crowdsec: among several alerts, Kastell's ban is found; a decision without its own scenario takes its alert's", () => {
  const mixed = [alert('crowdsecurity/ssh-bf'), { ...alert('kastell/signin-bf'), decisions: [{ origin: 'crowdsec', scope: 'Ip', type: 'ban', value: ip }] }];
  assert.deepEqual(decisionsFor(JSON.stringify(mixed), ip).map((d) => d.scenario), ['crowdsecurity/ssh-bf', 'kastell/signin-bf']);
  assert.equal(kastellBan(JSON.stringify(mixed), ip).ok, true);
});

test('Ansible: recap totals every host line, changedTasks names what changed', () => {
  const output = [
    'TASK [base : Install packages] ***', 'ok: [kastell-vm]',
    'TASK [nginx : Write the site] ***', 'changed: [kastell-vm]',
    'RUNNING HANDLER [nginx : Reload nginx] ***', 'changed: [kastell-vm]',
    'PLAY RECAP ***', 'kastell-vm                 : ok=120  changed=2    unreachable=0    failed=0    skipped=9',
    'other                      : ok=3    changed=0    unreachable=1    failed=1    skipped=0',
  ].join('\n');
  assert.deepEqual(recap(output), { ok: 123, changed: 2, unreachable: 1, failed: 1 });
  assert.deepEqual(changedTasks(output), ['nginx : Write the site', 'nginx : Reload nginx']);
});
