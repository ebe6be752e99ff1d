// Keys and encryption (`npm run bench -- keys`), each against a baseline in the same run:
//   (a) a conversation of 1,000 messages read through findConversation (RLS,
//       the presenter opening every body) — bodies sealed under the company's
//       key vs the same rows stored plain; rounds alternate the sides (goal ≥ 0.7);
//   (b) re-encryption's unit of work — open a field under the old version and
//       seal it under the new one, through the keyring — vs a bare AES-256-GCM
//       encrypt loop over the same sizes (the CPU ceiling), and the worker
//       (app/crypto/reencrypt.ts) over 2,000 message rows after a rotation,
//       rows/s vs the same bare loop;
//   (c) a document (KASTELL_BENCH_KEYS_MIB, 1024) streamed through
//       encryptObject to a file vs the plain stream to a file, and back through
//       decryptObject vs a plain read; extra RSS over the process's baseline,
//       sampled every 20 ms (goal ≥ 0.7, extra RSS ≤ 64 MiB); with the CPU each used per MiB, how busy the
//       machine was, and a bare AES-256-GCM loop over the same bytes (what bounds the ratio). No thresholds.
import { createCipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connectDatabase } from '../../app/db/client.ts';
import { decryptObject, encryptObject } from '../../app/crypto/encrypting-store.ts';
import { installFieldKeyring, sealField, uuidv7, fieldAad } from '../../app/crypto/fields.ts';
import { Keyring } from '../../app/crypto/keyring.ts';
import { reencrypt } from '../../app/crypto/reencrypt.ts';
import { createLocalDiskStore } from '../../app/storage/local-disk.ts';
import { findConversation } from '../../app/messages/queries.ts';
import type { Cluster } from '../harness/postgres.ts';
import type { TestDatabase } from '../harness/database.ts';
import { fixedKek, seedCompany, seedSite, seedUser } from '../harness/seed.ts';
import { cloneTemplate } from './database.ts';

export interface KeysOptions { rounds: number; seconds: number; mib: number; print: (line: string) => void }

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/** Two jobs of one company with 1,000 messages each, one stored plain, one sealed under the company's key (also keys-list-ab.ts). */
export async function seedMessageLists(admin: TestDatabase['admin']) {
  const company = await seedCompany(admin, 'Bench AG');
  const site = await seedSite(admin, company, 'Bench plant');
  const dispatcher = await seedUser(admin, 'dispatcher');
  const jobs: Record<'plain' | 'sealed', string> = { plain: '', sealed: '' };
  for (const side of ['plain', 'sealed'] as const) {
    const [job] = await admin`insert into kastell.jobs (company_id, site_id, title) values (${company}, ${site}, ${side}) returning job_id`;
    jobs[side] = job!.job_id;
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const id = uuidv7();
      const body = `Message ${i}: the technician arrives at ${8 + (i % 9)}:00, please leave the gate open and call the number on the door. `.repeat(2);
      return { message_id: id, job_id: job!.job_id, company_id: company, body: side === 'sealed' ? sealField('job_messages', 'body', id, company, body) : body, author_side: 'operator' };
    });
    await admin`insert into kastell.job_messages ${admin(rows)}`;
  }
  return { company, dispatcher, jobs };
}

export async function runKeys(cluster: Cluster, appPassword: string, options: KeysOptions): Promise<void> {
  const { print } = options;
  let workerRowsPerSecond = 0;
  const dir = mkdtempSync(join(tmpdir(), 'kastell-bench-keys-'));
  const ring = new Keyring({ storeDir: join(dir, 'keys'), loadKeks: fixedKek(randomBytes(32)) });
  installFieldKeyring(ring);
  const database = await cloneTemplate(cluster, appPassword);
  const db = connectDatabase(database.appUrl, { max: 2 });
  try {
    // (a) two jobs of one company, 1,000 messages each: one plain, one sealed
    const { company, dispatcher, jobs } = await seedMessageLists(database.admin);
    const rate = { plain: { reads: 0, ms: 0 }, sealed: { reads: 0, ms: 0 } };
    for (let round = 0; round < options.rounds; round++) {
      for (const side of round % 2 === 0 ? (['plain', 'sealed'] as const) : (['sealed', 'plain'] as const)) {
        const until = performance.now() + options.seconds * 1000;
        const start = performance.now();
        let reads = 0;
        while (performance.now() < until) {
          const conversation = await db.withPrincipal({ userId: dispatcher.userId }, (tx) => findConversation(tx, jobs[side]));
          if (conversation?.messages.length !== 1000) throw new Error(`expected 1000 messages, got ${conversation?.messages.length}`);
          reads++;
        }
        rate[side].reads += reads;
        rate[side].ms += performance.now() - start;
      }
    }
    const perSecond = (side: 'plain' | 'sealed') => (rate[side].reads / rate[side].ms) * 1000;
    print(`RESULT 1,000 messages read (findConversation, RLS): sealed ${perSecond('sealed').toFixed(1)}/s vs plain ${perSecond('plain').toFixed(1)}/s: ratio ${(perSecond('sealed') / perSecond('plain')).toFixed(2)} (goal >= 0.70)`);

    // (b, worker) the re-encryption worker itself over those 2,000 rows after a rotation (1,000 sealed under v1, 1,000 plain; and the seeded site's plain street)
    ring.rotate(company);
    const started = performance.now();
    const run = await reencrypt({ db, keyring: ring, box: { open: () => { throw new Error('no TOTP secrets in the bench'); } }, store: createLocalDiskStore(join(dir, 'objects')), audit: async () => {} }, { batchSize: 200 });
    if (run.rows < 2000) throw new Error(`the worker re-sealed ${run.rows} rows, not the 2,000 messages (and the seeded site's address)`);
    workerRowsPerSecond = run.rows / ((performance.now() - started) / 1000);
  } finally {
    await db.close();
    await database.drop();
  }

  // (b) re-encryption's unit of work vs a bare AES-GCM loop
  const owner = '0193aaaa-0000-7000-8000-0000000000b1';
  const values = Array.from({ length: 20_000 }, (_, i) => ({ id: uuidv7(), text: `Visit notes ${i}: replaced the seal, pressure 2.${i % 10} bar, all tests passed.` }));
  const sealed = values.map((v) => ({ ...v, value: ring.seal(owner, v.text, fieldAad('visits', 'notes', v.id)) }));
  ring.rotate(owner);
  let t0 = performance.now();
  for (const v of sealed) ring.seal(owner, ring.open(v.value, fieldAad('visits', 'notes', v.id)), fieldAad('visits', 'notes', v.id));
  const reencryptPerSecond = sealed.length / ((performance.now() - t0) / 1000);
  const key = randomBytes(32);
  t0 = performance.now();
  for (const v of values) {
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    cipher.update(v.text, 'utf8');
    cipher.final();
    cipher.getAuthTag();
  }
  const barePerSecond = values.length / ((performance.now() - t0) / 1000);
  print(`RESULT re-encryption unit (open v1 + seal v2 via the keyring, no database) ${reencryptPerSecond.toFixed(0)}/s vs bare AES-256-GCM encrypt ${barePerSecond.toFixed(0)}/s: ratio ${(reencryptPerSecond / barePerSecond).toFixed(2)}`);
  print(`RESULT re-encryption worker (kastell keys reencrypt's code: batches of 200, one transaction each, compare-and-swap per row; audit callback left out) ${workerRowsPerSecond.toFixed(0)} rows/s vs bare AES-256-GCM encrypt ${barePerSecond.toFixed(0)}/s: ratio ${(workerRowsPerSecond / barePerSecond).toFixed(3)}`);

  // (c) a large document: encrypted stream vs plain stream, both ways
  const size = options.mib * 1024 * 1024;
  const chunk = randomBytes(1024 * 1024);
  const source = () => Readable.from((function* () { for (let i = 0; i < options.mib; i++) yield chunk; })());
  const sink = () => new Writable({ write(_c, _e, done) { done(); } });
  // CPU beside time: this process (every thread) and the whole machine (/proc/stat) — what bounds the ratio on a box of few cores
  const machine = () => { const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number); const all = f.reduce((a, b) => a + b, 0); return { busy: all - f[3]! - f[4]!, all }; };
  async function measure(work: () => Promise<void>): Promise<{ seconds: number; extraRss: number; cpuSeconds: number; machineCores: number }> {
    globalThis.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const cpu0 = process.cpuUsage();
    const m0 = machine();
    const start = performance.now();
    await work();
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpu0);
    const m1 = machine();
    return { seconds: (performance.now() - start) / 1000, extraRss: peak - base, cpuSeconds: (cpu.user + cpu.system) / 1e6, machineCores: ((m1.busy - m0.busy) / (m1.all - m0.all)) * availableParallelism() };
  }
  const plainFile = join(dir, 'plain.bin');
  const sealedFile = join(dir, 'sealed.bin');
  const results: Record<string, { seconds: number; extraRss: number; cpuSeconds: number; machineCores: number }[]> = { plainUp: [], sealedUp: [], plainDown: [], sealedDown: [] };
  for (let round = 0; round < Math.max(1, Math.min(options.rounds, 2)); round++) {
    results.plainUp!.push(await measure(() => pipeline(source(), createWriteStream(plainFile))));
    results.sealedUp!.push(await measure(() => pipeline(encryptObject(ring, owner, 'documents/bench/1', source()), createWriteStream(sealedFile))));
    results.plainDown!.push(await measure(() => pipeline(createReadStream(plainFile), sink())));
    results.sealedDown!.push(await measure(async () => pipeline(await decryptObject(ring, 'documents/bench/1', createReadStream(sealedFile)), sink())));
  }
  const rateOf = (k: string) => (results[k]!.length * size) / results[k]!.reduce((s, r) => s + r.seconds, 0) / 1024 / 1024;
  const rssOf = (k: string) => Math.max(...results[k]!.map((r) => r.extraRss));
  print(`RESULT ${options.mib} MiB document written encrypted ${rateOf('sealedUp').toFixed(0)} MiB/s vs plain ${rateOf('plainUp').toFixed(0)} MiB/s: ratio ${(rateOf('sealedUp') / rateOf('plainUp')).toFixed(2)} (goal >= 0.70); extra RSS ${mib(rssOf('sealedUp'))} MiB vs ${mib(rssOf('plainUp'))} MiB (goal <= 64 MiB)`);
  print(`RESULT ${options.mib} MiB document read decrypted ${rateOf('sealedDown').toFixed(0)} MiB/s vs plain ${rateOf('plainDown').toFixed(0)} MiB/s: ratio ${(rateOf('sealedDown') / rateOf('plainDown')).toFixed(2)}; extra RSS ${mib(rssOf('sealedDown'))} MiB vs ${mib(rssOf('plainDown'))} MiB`);
  // the ceiling: AES-256-GCM alone in Node on one core (one cipher per 1 MiB frame, 1 MiB updates), over the same bytes
  const gcmStart = performance.now();
  for (let i = 0; i < options.mib; i++) {
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    cipher.update(chunk);
    cipher.final();
    cipher.getAuthTag();
  }
  const gcmRate = options.mib / ((performance.now() - gcmStart) / 1000);
  const cpuPerMiB = (k: string) => (results[k]!.reduce((s, r) => s + r.cpuSeconds, 0) * 1000) / (results[k]!.length * options.mib);
  const cores = (k: string) => results[k]!.reduce((s, r) => s + r.machineCores, 0) / results[k]!.length;
  print(`RESULT ${options.mib} MiB document, CPU per MiB (this process, all threads): written encrypted ${cpuPerMiB('sealedUp').toFixed(2)} ms vs plain ${cpuPerMiB('plainUp').toFixed(2)} ms, bare AES-256-GCM ${(1000 / gcmRate).toFixed(2)} ms (${gcmRate.toFixed(0)} MiB/s on one core); machine busy during the writes: encrypted ${cores('sealedUp').toFixed(2)}, plain ${cores('plainUp').toFixed(2)} of ${availableParallelism()} cores`);
  rmSync(dir, { recursive: true, force: true });
}
