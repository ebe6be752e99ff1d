// ops/kastell-watch outside an appliance: journalctl is a stand-in on PATH
// that keeps its cursor file as the real one does (entries after the cursor,
// then the cursor moved to the last), ALERT records its calls. The portal's
// alert events in its log become host alerts, each exactly once.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, script } from './stand-ins.js';

const watch = join(root, 'ops', 'kastell-watch');


function world() {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-watch-test-'));
  const journal = join(dir, 'journal.txt'); // "<n> <message>" per entry
  writeFileSync(journal, '');
  // the stand-in: --cursor-file FILE prints the entries after FILE's cursor and moves it (journalctl(1))
  script(join(dir, 'bin', 'journalctl'), `
cursor_file=""
while (($#)); do case "$1" in --cursor-file) cursor_file=$2; shift ;; esac; shift; done
after=0
[[ -n "$cursor_file" && -f "$cursor_file" ]] && after=$(cat "$cursor_file")
last=$after
while read -r n message; do
  ((n > after)) || continue
  printf '%s\\n' "$message"; last=$n
done < "${journal}"
[[ -n "$cursor_file" ]] && echo "$last" > "$cursor_file"
exit 0`);
  script(join(dir, 'bin', 'alert'), `printf '%s\\t%s\\n' "$1" "$2" >> "${join(dir, 'alerts.tsv')}"`);
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'watch.conf'), [
    `STATE=${join(dir, 'state')}`, `CONFIG_PATHS=${join(dir, 'config')}`, 'DISK_ALERT_PERCENT=101',
    'SERVICE_USER=kastell-watch-test-nobody', `ALERT=${join(dir, 'bin', 'alert')}`, '',
  ].join('\n'));
  let n = 0;
  return {
    log: (...events) => { for (const e of events) appendFileSync(journal, `${++n} ${JSON.stringify({ level: 40, time: Date.now(), ...e })}\n`); },
    run: () => {
      const r = spawnSync('bash', [watch], { encoding: 'utf8', env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, WATCH_CONF: join(dir, 'watch.conf') } });
      const file = join(dir, 'alerts.tsv');
      const alerts = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => line.split('\t')) : [];
      writeFileSync(file, '');
      return { status: r.status, stderr: r.stderr, alerts: alerts.filter(([kind]) => kind === 'malware' || kind === 'download-volume') };
    },
  };
}

test("the portal's malware and download-volume events become host alerts, each once", () => {
  const w = world();
  w.log({ event: 'http.request', status: 200 });
  assert.deepEqual(w.run().alerts, [], 'nothing to alert');
  w.log({ event: 'document.malware_detected', versionId: 'v1', signature: 'Eicar-Test-Signature' },
    { event: 'document.download_volume', subjectType: 'user', downloads: 31 },
    { event: 'document.malware_detected', versionId: 'v2', signature: 'Eicar-Test-Signature' });
  const first = w.run();
  assert.equal(first.status, 1, `a finding sets the exit status: ${first.stderr}`);
  assert.deepEqual(first.alerts, [['malware', '2 upload(s) rejected as malware'], ['download-volume', 'unusual download volume (1 alert(s) from the portal)']]);
  assert.deepEqual(w.run().alerts, [], 'the next run does not alert the same events again');
  w.log({ event: 'document.download_volume', subjectType: 'share_link', downloads: 12 });
  assert.deepEqual(w.run().alerts, [['download-volume', 'unusual download volume (1 alert(s) from the portal)']], 'a new event alerts');
});

test('the watch asks the real journal for entries after its cursor, bounded in time', () => {
  const text = readFileSync(watch, 'utf8');
  assert.match(text, /journalctl -u kastell\.service --since "-15min" --cursor-file "\$STATE\/journal\.cursor"/);
});
