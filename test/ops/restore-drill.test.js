// The restore drill (ops/kastell-restore-drill) outside an appliance: the
// commands it calls are stand-ins (runuser, chown, pgbackrest, psql, restic on
// PATH; pg_ctl and pg_controldata in PG_BIN_DIR; NODE for the verifier; ALERT
// records its calls), the manifest, objects and configuration live in a
// temporary directory. One run with everything answering as on a healthy box
// must pass (so the stand-ins reach every check); then each way a check can
// fail to run must fail the drill: exit != 0, "status":"fail", an alert.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, script } from './stand-ins.js';

const drill = join(root, 'ops', 'kastell-restore-drill');


const verifiers = {
  ok: 'echo "OK: 8 links verified in 12 ms; head 8 5f2c"',
  broken: 'echo "BROKEN at link 3: the hash does not match its event" >&2; exit 1',
  // the CLI's one-line error: exit 1 like a broken chain, but no verdict
  refused: 'echo "kastell: cannot connect to 127.0.0.1:5499 (ECONNREFUSED): connection refused: is PostgreSQL running there?" >&2; exit 1',
  crashes: 'kill -SEGV $$',
  silent: 'exit 0',
  throws: 'echo "Error: Cannot find module tsx" >&2; exit 1',
};

/**
 * Runs the drill in a fresh world. opts.verifier: a key of `verifiers`, or
 * 'absent' (NODE names no file); opts.noApp: no release in APP_DIR;
 * opts.rows: rows.tsv; opts.restic / opts.pgbackrest: extra stand-in lines.
 */
function runDrill(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-drill-test-'));
  try {
    const bin = join(dir, 'bin');
    const pgBin = join(dir, 'pgbin');
    const objectsDir = '/srv/kastell/app/documents';
    const fixture = join(dir, 'fixture');
    mkdirSync(join(fixture, 'a'), { recursive: true });
    writeFileSync(join(fixture, 'a', 'object-1'), 'first document');
    writeFileSync(join(fixture, 'object-2'), 'second document');
    const sums = [['./a/object-1', 'first document'], ['./object-2', 'second document']]
      .map(([p, c]) => `${createHash('sha256').update(c).digest('hex')}  ${p}`).join('\n') + '\n';

    const manifest = join(dir, 'manifests', '20260301T020000Z-full');
    mkdirSync(manifest, { recursive: true });
    writeFileSync(join(manifest, 'meta.env'), [
      'ID=20260301T020000Z-full', `CREATED_EPOCH=${Math.floor(Date.now() / 1000) - 3600}`,
      'RESTORE_POINT=kastell-20260301T020000Z-full', `OBJECTS_DIR=${objectsDir}`,
      'PG_SET_REPO1=20260301-020000F', 'PG_SET_REPO2=20260301-020000F', '',
    ].join('\n'));
    writeFileSync(join(manifest, 'rows.tsv'), opts.rows ?? 'kastell.companies\t3\nkastell.audit_links\t8\n');
    writeFileSync(join(manifest, 'objects.sha256'), sums);

    const alerts = join(dir, 'alerts.log');
    script(join(bin, 'runuser'), 'while [[ "$1" != -- ]]; do shift; done; shift; exec "$@"');
    script(join(bin, 'chown'), `echo "$*" >>'${join(dir, 'chown.log')}'`);
    script(join(bin, 'pgbackrest'), `${opts.pgbackrest ?? ''}\nexit 0`);
    script(join(bin, 'psql'), [
      'for a in "$@"; do sql=$a; done',
      'case "$sql" in',
      '  *pg_is_in_recovery*) echo f ;;',
      '  "SELECT count(*) FROM kastell.companies") echo 3 ;;',
      '  "SELECT count(*) FROM kastell.audit_links") echo 8 ;;',
      '  *) echo "psql: relation does not exist" >&2; exit 1 ;;',
      'esac',
    ].join('\n'));
    // restic restore latest --tag ID --target DIR --include OBJECTS_DIR
    script(join(bin, 'restic'), [
      opts.restic ?? '',
      'if [[ "$3" == restore ]]; then',
      `  mkdir -p "$8${objectsDir}" && cp -r ${fixture}/. "$8${objectsDir}/"`,
      'fi',
      'exit 0',
    ].join('\n'));
    script(join(pgBin, 'pg_ctl'), [
      'while getopts D:l:m:t:w o; do case $o in D) data=$OPTARG ;; *) ;; esac; done',
      'shift $((OPTIND - 1))',
      'case "$1" in start) : >"$data/postmaster.pid" ;; stop) rm -f "$data/postmaster.pid" ;; esac',
    ].join('\n'));
    script(join(pgBin, 'pg_controldata'), [
      'printf "%s\\n" "max_connections setting:              100" "max_worker_processes setting:         8"',
      'printf "%s\\n" "max_wal_senders setting:              10" "max_prepared_xacts setting:           0" "max_locks_per_xact setting:           64"',
    ].join('\n'));
    script(join(dir, 'alert'), `printf '%s|' "$@" >>${alerts}; echo >>${alerts}`);
    const node = join(dir, 'node');
    // the release's CLI: `keys check-objects` answers as opts.objects says (ok by default), anything else is the verifier
    const objectAnswers = {
      ok: 'echo "OK: 2 objects decrypted (0 of shredded companies, 0 stored before encryption; 2 of 2 sampled)"',
      failed: 'echo "FAILED: 1 of 2 objects did not decrypt: a/object-1: Incomplete message" >&2; exit 1',
      silent: 'exit 0',
    };
    // `keys check-fields` answers as opts.fields says (ok by default)
    const fieldAnswers = {
      ok: 'echo "OK: 14 fields decrypted (0 of shredded companies; 14 sampled, up to 20 of each of 8 encrypted columns)"',
      failed: 'echo "FAILED: 1 of 14 fields did not decrypt: sites.street of row 0190: Unsupported state or unable to authenticate data" >&2; exit 1',
      silent: 'exit 0',
    };
    if (opts.verifier !== 'absent') {
      script(node, `case "$*" in *"keys check-objects"*) ${objectAnswers[opts.objects ?? 'ok']} ;; *"keys check-fields --sample"*) ${fieldAnswers[opts.fields ?? 'ok']} ;; *) ${verifiers[opts.verifier ?? 'ok']} ;; esac`);
    }

    const app = join(dir, 'app');
    if (!opts.noApp) { mkdirSync(join(app, 'app', 'cli'), { recursive: true }); writeFileSync(join(app, 'app', 'cli', 'main.ts'), ''); }
    const etc = join(dir, 'etc');
    mkdirSync(join(etc, 'credentials'), { recursive: true });
    writeFileSync(join(etc, 'kastell.env'), 'KASTELL_PUBLIC_URL=https://kastell.test\n');
    writeFileSync(join(etc, 'credentials', 'KASTELL_DATABASE_URL'), 'postgres://kastell:a-long-enough-password@127.0.0.1:5432/kastell\n');
    writeFileSync(join(etc, 'credentials', 'KASTELL_AUDIT_HMAC_KEY'), 'c2VjcmV0\n');

    const drillDir = join(dir, 'drill');
    const evidenceDir = join(dir, 'evidence');
    mkdirSync(drillDir);
    const conf = join(dir, 'backup.conf');
    writeFileSync(conf, [
      'STANZA=kastell', 'PG_REPOS="1 2"', 'PG_DATABASE=kastell', `RESTIC_REPOS="${join(dir, 'restic1')} ${join(dir, 'restic2')}"`,
      'PG_VERSION=17', `RESTIC_PASSWORD_FILE_1=${join(dir, 'restic.pass')}`,
      `MANIFEST_DIR=${join(dir, 'manifests')}`, `EVIDENCE_DIR=${evidenceDir}`, `DRILL_DIR=${drillDir}`, `APP_DIR=${app}`,
      `PG_BIN_DIR=${pgBin}`, `NODE=${node}`, `ALERT=${join(dir, 'alert')}`, `KASTELL_ETC=${etc}`, '',
    ].join('\n'));

    const r = spawnSync('bash', [drill], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, KASTELL_BACKUP_CONF: conf, KASTELL_RESTORE_DRILL_CONF: join(dir, 'no-such.conf') },
      timeout: 60_000,
    });
    if (r.error) throw r.error;
    const evidenceFile = join(evidenceDir, 'restore-drill.json');
    const evidence = existsSync(evidenceFile) ? JSON.parse(readFileSync(evidenceFile, 'utf8')) : undefined;
    const alertCalls = existsSync(alerts) ? readFileSync(alerts, 'utf8').trim().split('\n').map((l) => l.split('|').slice(0, -1)) : [];
    const chowned = existsSync(join(dir, 'chown.log')) ? readFileSync(join(dir, 'chown.log'), 'utf8').trim().split('\n') : [];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, evidence, alertCalls, chowned, dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertFailedWithAlert(r, stage) {
  const output = `${r.stdout}\n${r.stderr}`;
  assert.notEqual(r.status, 0, `the drill exited 0:\n${output}`);
  assert.ok(r.evidence, `no evidence written:\n${output}`);
  assert.equal(r.evidence.status, 'fail', JSON.stringify(r.evidence));
  assert.match(r.evidence.reason, stage);
  assert.equal(r.alertCalls.length, 1, `expected one alert, got ${JSON.stringify(r.alertCalls)}\n${output}`);
  assert.equal(r.alertCalls[0][0], 'drill');
  assert.match(r.alertCalls[0][1], stage);
}

test('with every command answering as on a healthy box the drill passes all seven checks and raises no alert', () => {
  const r = runDrill();
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.evidence.status, 'pass');
  assert.equal(r.evidence.audit_verify, 'pass');
  assert.equal(r.evidence.audit_links, 8);
  assert.equal(r.evidence.fields_decrypted, 14, 'the fields the CLI opened, in the evidence');
  assert.equal(r.evidence.objects_decrypted, 2, 'the objects the CLI decrypted, in the evidence');
  assert.deepEqual(r.evidence.checks_passed, ['pg_restore', 'row_counts', 'audit_chain', 'field_decrypt_sample', 'objects_restore', 'object_checksums', 'decrypt_sample']);
  assert.equal(r.evidence.tables, 2);
  assert.equal(r.evidence.rows, 11);
  assert.equal(r.evidence.objects, 2);
  assert.deepEqual(r.alertCalls, []);
  // the CLI runs as kastell: the restored objects are handed to it first (the appliance suite found EACCES)
  assert.ok(r.chowned.includes(`-R kastell: ${r.dir}/drill/objects`), JSON.stringify(r.chowned));
});

const noVerdict = [
  ['the verifier does not start (NODE names no file)', { verifier: 'absent' }],
  ['the verifier is killed by a signal, twice', { verifier: 'crashes' }],
  ['the verifier exits 0 without its verdict line', { verifier: 'silent' }],
  ['the verifier cannot reach the scratch cluster (exit 1, no BROKEN line)', { verifier: 'refused' }],
  ['the verifier dies on a startup error', { verifier: 'throws' }],
  ['the release has no CLI at all', { noApp: true }],
];
for (const [name, opts] of noVerdict) {
  test(`no audit verdict fails the drill, with an alert: ${name}`, () => {
    const r = runDrill(opts);
    assertFailedWithAlert(r, /audit chain verification/);
    assert.match(r.evidence.audit_verify, /^fail/);
    assert.ok(!r.evidence.checks_passed.includes('audit_chain'));
    assert.doesNotMatch(JSON.stringify(r.evidence), /skipped/);
  });
}

test('a broken chain fails the drill and says where', () => {
  const r = runDrill({ verifier: 'broken' });
  assertFailedWithAlert(r, /broken chain on the restored database: BROKEN at link 3/);
  assert.match(r.evidence.audit_verify, /^fail: BROKEN at link 3/);
});

test('the other checks cannot be skipped either: a manifest without tables, a failing restore, a failing decrypt sample', () => {
  assertFailedWithAlert(runDrill({ rows: '' }), /row counts: manifest .* lists no tables/);
  assertFailedWithAlert(runDrill({ restic: '[[ "$3" == restore ]] && { echo "restic: no snapshot" >&2; exit 1; }' }), /restic restore/);
  assertFailedWithAlert(runDrill({ pgbackrest: '[[ "$*" == *verify ]] && exit 1' }), /decrypt sample \(pgbackrest verify\)/);
  assertFailedWithAlert(runDrill({ restic: '[[ "$3" == check ]] && exit 1' }), /decrypt sample \(restic\)/);
  // the objects as Kastell encrypted them: one that does not decrypt, or no verdict, fails the drill
  assertFailedWithAlert(runDrill({ objects: 'failed' }), /decrypt sample \(objects\)/);
  assertFailedWithAlert(runDrill({ objects: 'silent' }), /check-objects gave no verdict/);
  // the encrypted fields of the restored database: one that does not open, or no verdict, fails the drill
  assertFailedWithAlert(runDrill({ fields: 'failed' }), /decrypt sample \(fields\)/);
  assertFailedWithAlert(runDrill({ fields: 'silent' }), /check-fields gave no verdict/);
});
