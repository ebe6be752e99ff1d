// The verdict of `npm run test:scan` (test/scan/scan.ts) without the scanners: how a sqlmap run's
// output is read, what makes the run fail (exit 1), how the runs are ordered, how wapiti's times
// are read. The lines below are sqlmap 1.7.2's and wapiti 3.0.4's own, from real runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byCost, parseSqlmapOutput, reportIsClean, wapitiModuleSeconds, type ScanReport, type SqlmapRun, type Target } from './scan.ts';

const done = (name: string) => [
  `[01:59:08] [INFO] testing for SQL injection on ${name}`,
  `[01:59:09] [INFO] testing 'AND boolean-based blind - WHERE or HAVING clause'`,
  `[01:59:39] [WARNING] ${name} does not seem to be injectable`,
];
const end = [
  `[02:00:30] [ERROR] all tested parameters do not appear to be injectable. Try to increase values for '--level'/'--risk' options`,
  '[02:00:30] [WARNING] HTTP error codes detected during run:',
  '404 (Not Found) - 371 times, 401 (Unauthorized) - 370 times',
];

test('a parameter counts as tested only once sqlmap gave its verdict, and equal names count twice', () => {
  // a PATCH run: sqlmap calls the URI's marker and the body's first marker both 'JSON #1*'
  const output = [...done("PATCH parameter 'JSON #1*'"), ...done("PATCH parameter 'JSON #2*'"), ...done("PATCH parameter 'JSON #1*'"), ...end].join('\n');
  const parsed = parseSqlmapOutput(output, false);
  assert.equal(parsed.tested.length, 3);
  assert.deepEqual(parsed.injectable, []);
  assert.deepEqual(parsed.http5xx, []);
  // headers and cookies ("parameter 'User-Agent'", no place before it)
  assert.equal(parseSqlmapOutput([...done("parameter 'User-Agent'"), ...done("Cookie parameter '__Host-kastell-session'"), ...end].join('\n'), false).tested.length, 2);
  // cut in the middle of the second parameter (the kill): one tested, not two
  const cut = [...done("(custom) POST parameter '#1*'"), "[01:59:40] [INFO] testing for SQL injection on (custom) POST parameter '#2*'",
    "\r[01:59:41] [INFO] testing 'HAVING boolean-based blind - WHERE, GROUP BY clause'"].join('\n');
  assert.deepEqual(parseSqlmapOutput(cut, true).tested, ["(custom) POST parameter '#1*'"]);
});

test('injection points, 5xx answers and an early end are read from the output', () => {
  const found = ["[03:01:02] [INFO] testing for SQL injection on GET parameter 'q'",
    "[03:01:09] [INFO] GET parameter 'q' appears to be 'AND boolean-based blind - WHERE or HAVING clause' injectable",
    'sqlmap identified the following injection point(s) with a total of 46 HTTP(s) requests:', '---', 'Parameter: q (GET)',
    '    Type: boolean-based blind'].join('\n');
  const parsed = parseSqlmapOutput(found, false);
  assert.deepEqual(parsed.injectable, ['q (GET)']);
  assert.equal(parsed.tested.length, 1);
  const errors = parseSqlmapOutput([...done("URI parameter '#1*'"), '[02:00:30] [WARNING] HTTP error codes detected during run:',
    '500 (Internal Server Error) - 3 times, 404 (Not Found) - 20 times'].join('\n'), false);
  assert.deepEqual(errors.http5xx, ['500 ×3']);
  const early = parseSqlmapOutput("[01:50:02] [CRITICAL] unable to connect to the target URL. sqlmap is going to retry the request(s)", false);
  assert.equal(early.tested.length, 0);
  assert.match(early.http5xx[0] ?? '', /sqlmap ended early/);
});

const run = (over: Partial<SqlmapRun> = {}): SqlmapRun => ({
  target: 'GET /api/v1/jobs', role: 'owner', planned: 2, tested: ['a', 'b'], injectable: [], http5xx: [], timedOut: false, seconds: 10, requests: 700, ...over,
});
const clean = (): ScanReport => ({
  runs: [run()], notReached: [], sqlmapSeconds: 10,
  wapiti: { bySeverity: { low: 1 }, mediumOrAbove: [], urls: 205, cut: [], seconds: 300 },
  nmap: { open: [22, 4000], kastell: ['tcp/127.0.0.1:4000'], expected: 4000, unexpected: [] },
  seconds: 400,
});

test('the run passes only when complete and clean: each shortfall alone fails it', () => {
  assert.equal(reportIsClean(clean()), true);
  const broken: [string, (r: ScanReport) => void][] = [
    ['injectable', (r) => { r.runs = [run({ injectable: ['q (GET)'] })]; }],
    ['a 5xx', (r) => { r.runs = [run({ http5xx: ['500 ×1'] })]; }],
    ['a run killed by its bound', (r) => { r.runs = [run({ timedOut: true })]; }],
    ['a parameter not tested', (r) => { r.runs = [run({ tested: ['a'] })]; }],
    ['a target not reached', (r) => { r.notReached = ['POST /api/v1/companies/{companyId}/shred']; }],
    ['a wapiti finding of medium', (r) => { r.wapiti.mediumOrAbove = ['medium anomaly: GET /jobs']; }],
    ['wapiti cut by its time limits', (r) => { r.wapiti.cut = ['module blindsql']; }],
    ['wapiti not run', (r) => { r.wapiti.error = 'not run (KASTELL_SCAN_TOOLS)'; }],
    ['an unexpected port', (r) => { r.nmap.unexpected = ['udp/0.0.0.0:5353']; }],
    ['nmap not run', (r) => { r.nmap.error = 'not run (KASTELL_SCAN_TOOLS)'; }],
  ];
  for (const [what, breakIt] of broken) {
    const report = clean();
    breakIt(report);
    assert.equal(reportIsClean(report), false, what);
  }
});

test('runs go longest first (a password-hashing target weighs eight parameters), destructive ones last', () => {
  const target = (name: string, url: string, planned: number, destructive = false): Target => ({
    name, role: 'owner', method: 'POST', url, headers: [], planned, session: 'signed-in', contentType: 'json', destructive,
  });
  const order = [
    target('delete', 'http://h/api/v1/sites/x*', 1, true),
    target('jobs', 'http://h/api/v1/jobs?status=new*', 7),
    target('sign-in', 'http://h/api/v1/auth/sign-in', 3),
    target('shred', 'http://h/api/v1/companies/x*/shred', 2, true),
    target('one', 'http://h/api/v1/jobs/x*', 1),
  ].sort(byCost).map((t) => t.name);
  assert.deepEqual(order, ['sign-in', 'jobs', 'one', 'shred', 'delete']);
});

test("wapiti's module times are read from the times the runner puts on its lines", () => {
  const stdout = ['[+0 s] [*] Saving scan state, please wait...', '[+95 s] [*] Wapiti found 205 URLs and forms during the scan',
    '[+96 s] [*] Launching module crlf', '[+110 s] [*] Launching module blindsql', '[+140 s] Max attack time was reached for module blindsql, stopping.',
    '[+141 s] [*] Launching module methods'].join('\n');
  assert.deepEqual(wapitiModuleSeconds(stdout, 150), [['crawl', 96], ['crlf', 14], ['blindsql', 31], ['methods', 9]]);
});
