// Sign-in under attack. Floods the sign-in route with concurrent wrong
// passwords from many client IPs (X-Forwarded-For through a trusted proxy)
// while a legitimate user signs in, and prints: the legitimate sign-in p95,
// the rejected-attempt p99, peak RSS against the process baseline, and
// full-path sign-ins/s as a ratio of a bare argon2 loop at the same
// concurrency, measured in the same run. No thresholds: it reports.
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import postgres from 'postgres';
import { argon2Options, hashPassword } from '../../app/auth/password.ts';
import { parseConfig } from '../../app/config.ts';
import { createLogger } from '../../app/log.ts';
import { startServer } from '../../app/server.ts';
import { freePort, startCluster } from '../harness/postgres.ts';
import { appLoginRole, prepareTemplate, templateDatabase } from '../harness/template.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const attackers = Number(process.env.BENCH_ATTACKERS ?? 64);
const concurrency = Math.max(1, availableParallelism());

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

export async function run(): Promise<void> {
  const cluster = await startCluster();
  try {
    const { appPassword } = await prepareTemplate(cluster);
    const admin = postgres(cluster.adminUrl('postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database bench_signin template ${templateDatabase}`);
    await admin.end();
    const db = postgres(cluster.adminUrl('bench_signin'), { max: 2, onnotice: () => {} });
    const password = 'a long and memorable benchmark passphrase';
    const hash = await hashPassword(password);
    const [company] = await db`insert into kastell.companies (name) values ('Bench AG') returning company_id`;
    const users: string[] = [];
    for (let i = 0; i < concurrency * 4 + 1; i++) {
      const email = `bench${i}@example.test`;
      const [user] = await db`insert into kastell.users (email, display_name, password_hash) values (${email}, 'Bench user', ${hash}) returning user_id`;
      await db`insert into kastell.memberships (user_id, role_id, company_id)
        select ${user!.user_id}, role_id, ${company!.company_id} from kastell.roles where role_key = 'customer_member'`;
      users.push(email);
    }

    // 1. Bare argon2 verify loop at the server's hashing concurrency.
    const bareStart = performance.now();
    let bareDone = 0;
    const bareUntil = bareStart + 5000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < bareUntil) {
        await argon2.verify(hash, password);
        bareDone++;
      }
    }));
    const bareRate = bareDone / ((performance.now() - bareStart) / 1000);

    const port = await freePort();
    const config = parseConfig({
      KASTELL_DATABASE_URL: `postgres://${appLoginRole}:${appPassword}@127.0.0.1:${cluster.port}/bench_signin`,
      KASTELL_HTTP_PORT: String(port),
      KASTELL_DATA_DIR: '/tmp/kastell-bench',
      KASTELL_TRUSTED_PROXIES: '127.0.0.1/32',
      KASTELL_MFA_CUSTOMERS: 'optional', // the full path ends in a session without a second factor
      KASTELL_HIBP_URL: 'off',
      KASTELL_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
      KASTELL_JOBS: 'off',
      KASTELL_RATE_LIMIT_PER_MINUTE: '1000000', // measure the hashing path, not the request limit
      KASTELL_CHALLENGE_AFTER_FAILURES: '1000', // the flood measures hashing and lockout, not the bot challenge
      KASTELL_CHALLENGE_AFTER_ENDPOINT_FAILURES: '1000000',
    });
    const server = await startServer(config, createLogger({ level: 'silent' }));
    const url = server.url;
    let deviceCookie = '';
    const signIn = (email: string, pass: string, ip: string, cookie = '') => fetch(`${url}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: config.publicOrigin, 'x-forwarded-for': ip, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ email, password: pass }),
    }).then(async (r) => {
      await r.arrayBuffer();
      const device = r.headers.getSetCookie().find((c) => c.startsWith('__Host-kastell-device='));
      if (device && email === users[0]) deviceCookie = device.split(';')[0]!;
      return r.status;
    });

    // 2. Full path (HTTP, lockout claims, argon2, session) at the same concurrency, no attack.
    const fullStart = performance.now();
    let fullDone = 0;
    const fullUntil = fullStart + 5000;
    await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < fullUntil) {
        const status = await signIn(users[worker + 1]!, password, `192.0.2.${worker + 1}`);
        if (status === 200) fullDone++;
      }
    }));
    const fullRate = fullDone / ((performance.now() - fullStart) / 1000);

    // 3. The flood, with the legitimate user signing in throughout from a
    //    browser that has signed in before (it holds its device cookie).
    await signIn(users[0]!, password, '198.51.100.1');
    global.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
    const rejected: number[] = [];
    const statuses = new Map<number, number>();
    const legit: number[] = [];
    let legitFailures = 0;
    const until = performance.now() + seconds * 1000;
    let n = 0;
    const flood = Array.from({ length: attackers }, async () => {
      while (performance.now() < until) {
        const i = n++;
        // half against real accounts, half against unknown addresses; never the legitimate user
        const email = i % 2 ? users[1 + (i % (users.length - 1))]! : `nobody${i}@example.test`;
        const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        const started = performance.now();
        const status = await signIn(email, `wrong password ${i}`, ip);
        rejected.push(performance.now() - started);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    });
    const user = async () => {
      while (performance.now() < until) {
        const started = performance.now();
        let status = 0;
        // a person retries after Retry-After when the hashing bound answers 503
        for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
          status = await signIn(users[0]!, password, '198.51.100.1', deviceCookie);
          if (status === 503) await new Promise((r) => setTimeout(r, 1000));
          else if (status !== 200) break;
        }
        if (status === 200) legit.push(performance.now() - started);
        else legitFailures++;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await Promise.all([...flood, user()]);
    clearInterval(sampler);
    await server.close();

    console.log(`sign-in benchmark: ${concurrency} cores, argon2id m=${argon2Options.memoryCost} KiB t=${argon2Options.timeCost} p=${argon2Options.parallelism}, ` +
      `hashing bound ${config.identity.argon2Concurrency} + queue ${config.identity.argon2Queue}, ${attackers} attackers for ${seconds} s`);
    console.log(`  bare argon2 verify loop (concurrency ${concurrency}):   ${bareRate.toFixed(2)} /s`);
    console.log(`  full-path sign-ins (concurrency ${concurrency}):         ${fullRate.toFixed(2)} /s  = ${(fullRate / bareRate).toFixed(2)} × bare argon2`);
    console.log(`  attack: ${rejected.length} rejected attempts (${[...statuses].map(([s, c]) => `${s}: ${c}`).join(', ')}), ` +
      `${(rejected.length / seconds).toFixed(0)} /s; p99 ${ms(percentile(rejected, 99))}, p50 ${ms(percentile(rejected, 50))}`);
    console.log(`  legitimate sign-ins under attack (known device): ${legit.length} ok, ${legitFailures} failed; p95 ${ms(percentile(legit, 95))}, p50 ${ms(percentile(legit, 50))}`);
    console.log(`  peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB vs baseline ${(baselineRss / 2 ** 20).toFixed(0)} MiB ` +
      `(+${((peakRss - baselineRss) / 2 ** 20).toFixed(0)} MiB; bound ${config.identity.argon2Concurrency} × 64 MiB; load generator in the same process)`);
  } finally {
    await cluster.stop();
  }
}
