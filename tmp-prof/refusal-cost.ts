// scratch: server CPU per fast refusal (not committed)
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import postgres from 'postgres';
import { parseConfig } from '../app/config.ts';
import { freePort, startCluster } from '../test/harness/postgres.ts';
import { appLoginRole, prepareTemplate, templateDatabase } from '../test/harness/template.ts';
import { startKastellProcess, stopKastellProcess } from '../test/bench/server-process.ts';
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(x[11]) + Number(x[12])) / 100; };
const cluster = await startCluster();
const { appPassword } = await prepareTemplate(cluster);
const admin = postgres(cluster.adminUrl('postgres'), { max: 1, onnotice: () => {} });
await admin.unsafe(`create database rc template ${templateDatabase}`);
await admin.end();
const port = await freePort();
const env: Record<string, string> = {
  KASTELL_DATABASE_URL: `postgres://${appLoginRole}:${appPassword}@127.0.0.1:${cluster.port}/rc`, KASTELL_HTTP_PORT: String(port),
  KASTELL_DATA_DIR: '/tmp/kastell-bench', KASTELL_TRUSTED_PROXIES: '127.0.0.1/32', KASTELL_HIBP_URL: 'off',
  KASTELL_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'), KASTELL_JOBS: 'off', KASTELL_LOG_LEVEL: 'silent',
  KASTELL_ARGON2_CONCURRENCY: '1', KASTELL_ARGON2_QUEUE: '1', KASTELL_RATE_LIMIT_PER_MINUTE: '1000000',
};
const config = parseConfig(env);
const url = `http://127.0.0.1:${port}`;
const child = await startKastellProcess(env, url);
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const send = (email: string, ip: string, path = '/api/v1/auth/sign-in') => new Promise<number>((resolve, reject) => {
  const body = JSON.stringify({ email, password: 'wrong password here' });
  const req = request(`${url}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin: config.publicOrigin, 'x-forwarded-for': ip } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); });
  req.on('error', reject); req.end(body);
});
const mode = process.argv[2] ?? '503';
// keep the hashing lane full: a steady stream of unknown addresses
let holding = true;
const holders = Array.from({ length: 3 }, async (_, k) => { let i = 0; while (holding) await send(`hold${k}.${i++}@example.test`, `192.0.2.${k}`); });
await new Promise((r) => setTimeout(r, 1500));
const statuses = new Map<number, number>();
const n = 4000;
const stats = postgres(cluster.adminUrl('rc'), { max: 1, onnotice: () => {} });
const tx = async () => Number((await stats`select xact_commit + xact_rollback as n from pg_stat_database where datname = 'rc'`)[0]!.n);
const tx0 = await tx();
const before = cpu(child.pid!);
const t0 = performance.now();
await Promise.all(Array.from({ length: 16 }, async (_, w) => {
  for (let i = w; i < n; i += 16) {
    const s = mode === '429' ? await send('limited@example.test', `10.1.${(i >> 8) & 255}.${i & 255}`) : await send(`probe${i}@example.test`, `10.0.${(i >> 8) & 255}.${i & 255}`);
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
}));
const wall = performance.now() - t0;
const used = cpu(child.pid!) - before;
const tx1 = await tx();
holding = false; await Promise.all(holders);
console.log('transactions during the refusals', tx1 - tx0);
await stats.end();
console.log(mode, [...statuses], `server CPU ${used.toFixed(2)} s for ${n} = ${((used * 1000) / n).toFixed(3)} ms each (event-loop thread only); wall ${wall.toFixed(0)} ms`);
await stopKastellProcess(child);
await cluster.stop();
