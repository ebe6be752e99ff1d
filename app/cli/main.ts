// The `kastell` command for operators.
import { readFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { startAuditService, type AuditService } from '../audit/service.ts';
import { applyAuditRetention } from '../audit/retention.ts';
import { verifyExportDirectory } from '../audit/verify-export.ts';
import { retryHeldVersions } from '../documents/retry-held.ts';
import { createMailer } from '../mail/mailer.ts';
import { ConfigError, parseConfig, type Config } from '../config.ts';
import { connectDatabase, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger } from '../log.ts';
import { readSealCertificate, certificateDer } from '../reports/seal.ts';
import { verifyReportPdf } from '../reports/verify-report.ts';
import { resolveDatabase } from '../server.ts';
import { createSetupLink, ownerExists } from '../setup/setup-link.ts';
import { createDocumentStore } from '../storage/open-store.ts';

// A ConfigError thrown here reaches expectedErrorLine() below: one line, exit 2.
function loadConfig(): Config {
  return parseConfig();
}

export const program = new Command('kastell')
  .description('Operate a Kastell installation. Configuration comes from KASTELL_* environment variables (see README).')
  .showHelpAfterError();

program
  .command('migrate')
  .description('Create or update Kastell\'s database roles and apply pending migrations (needs KASTELL_ADMIN_DATABASE_URL and KASTELL_DATABASE_URL, or neither for the embedded default)')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger({ level: 'warn' });
    if (config.databaseUrl) {
      if (!config.adminDatabaseUrl) {
        console.error('kastell migrate needs KASTELL_ADMIN_DATABASE_URL (a role that may create roles and schemas) beside KASTELL_DATABASE_URL.');
        process.exit(2);
      }
      const result = await migrate({ adminUrl: config.adminDatabaseUrl, appUrl: config.databaseUrl, onApplied: (name) => console.log(`applied ${name}`) });
      console.log(`${result.applied.length} applied, ${result.alreadyApplied} already applied`);
    } else {
      const { embedded } = await resolveDatabase(config, log);
      console.log('embedded database migrated');
      await embedded?.stop();
    }
  });

const owner = program.command('owner').description('The installation\'s owner account');
owner
  .command('create')
  .description('Print a one-time set-up link for the owner account (only while no owner exists)')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger({ level: 'warn' });
    const { appUrl, embedded } = await resolveDatabase(config, log);
    const db = connectDatabase(appUrl, { max: 1 });
    let refused = false;
    try {
      if (await ownerExists(db)) {
        refused = true;
        console.error('An owner exists already. The owner invites further people from the portal.');
      } else {
        const link = await createSetupLink(db, config);
        console.log(`Open this one-time link within ${link.expiresInMinutes} minutes to create the owner account:\n\n  ${link.url}\n`);
      }
    } finally {
      await db.close();
      await embedded?.stop();
    }
    if (refused) process.exit(1);
  });

const audit = program.command('audit').description('The audit trail: verify the chain, export days, check exports offline');

/** Runs `work` with a database connection and the audit service (no background jobs). */
async function withAudit<T>(work: (service: AuditService, db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = createLogger({ level: 'warn' });
  const { appUrl, embedded } = await resolveDatabase(config, log);
  const db = connectDatabase(appUrl, { max: 2 });
  const service = await startAuditService({ config: { ...config, jobs: false }, db, log, mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, log }), sequencer: false });
  try {
    return await work(service, db);
  } finally {
    await service.stop();
    await db.close();
    await embedded?.stop();
  }
}

audit
  .command('verify')
  .description('Walk the whole chain; exit 1 on any break, gap, cut tail or event left unchained past the bound')
  .action(async () => {
    const bar = process.stderr.isTTY ? new SingleBar({ format: 'verifying {bar} {value}/{total} links', stream: process.stderr }, Presets.shades_classic) : undefined;
    const result = await withAudit((service) => service.verify({
      onTotal: (total) => bar?.start(total, 0),
      onProgress: (checked) => bar?.update(checked),
    }));
    bar?.stop();
    if (result.ok) {
      console.log(`OK: ${result.checked} links verified in ${result.durationMs} ms; head ${result.headSeq} ${result.headHash ?? ''}`);
    } else {
      console.error(`BROKEN${result.firstBadSeq !== null ? ` at link ${result.firstBadSeq}` : ''}: ${result.problem}`);
      process.exit(1);
    }
  });

audit
  .command('export')
  .description('Export one day (UTC) of chained events as JSON Lines with a signed manifest')
  .requiredOption('--day <YYYY-MM-DD>', 'the day to export')
  .option('--out <dir>', 'target directory (default: KASTELL_AUDIT_ARCHIVE_DIR)')
  .action(async (options: { day: string; out?: string }) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(options.day)) {
      console.error('--day must be a date like 2026-11-21');
      process.exit(2);
    }
    const { manifest, verified, shipped } = await withAudit(async (service) => {
      await service.sequencer.runOnce();
      await service.checkpoint();
      return service.exportDay(options.day, options.out);
    });
    console.log(`${manifest.count} events (links ${manifest.firstSeq ?? '-'}..${manifest.lastSeq ?? '-'}) exported; self-check ${verified.ok ? 'passed' : `FAILED: ${verified.problem}`}`);
    if (shipped.length > 0) console.log(`shipped to the archive bucket: ${shipped.join(', ')}`);
    if (!verified.ok) process.exit(1);
  });

audit
  .command('verify-export')
  .description('Verify exports offline with nothing but the public key; exit 1 on any tampering')
  .argument('<dir>', 'a directory of kastell-audit-*.jsonl exports with their manifests and signatures')
  .requiredOption('--key <public.asc>', 'the armored OpenPGP public key of the installation')
  .action(async (dir: string, options: { key: string }) => {
    const results = await verifyExportDirectory(dir, readFileSync(options.key, 'utf8'));
    if (results.length === 0) {
      console.error(`no exports found in ${dir}`);
      process.exit(1);
    }
    for (const r of results) console.log(`${r.ok ? 'OK ' : 'BAD'} ${r.day}: ${r.ok ? `${r.lines} lines` : r.problem}`);
    if (results.some((r) => !r.ok)) process.exit(1);
  });

audit
  .command('checkpoint')
  .description('Chain what is pending and sign the current head')
  .action(async () => {
    const checkpoint = await withAudit(async (service) => {
      await service.sequencer.runOnce();
      return service.checkpoint();
    });
    console.log(checkpoint ? `checkpoint at link ${checkpoint.seq} ${checkpoint.hash}` : 'head unchanged since the last checkpoint');
  });

audit
  .command('retention')
  .description('Retire audit months older than 7 years whose links are all in verified exports (each removal is itself an audit event)')
  .action(async () => {
    const config = loadConfig();
    const { appUrl, embedded } = await resolveDatabase(config, createLogger({ level: 'warn' }));
    const db = connectDatabase(appUrl, { max: 1 });
    const outcomes = await applyAuditRetention(db).finally(async () => {
      await db.close();
      await embedded?.stop();
    });
    if (outcomes.length === 0) console.log('no audit month is past the 7-year retention period');
    for (const o of outcomes) console.log(o.dropped ? `retired ${o.month} (${o.links} links)` : `kept ${o.month}: ${o.refused}`);
    if (outcomes.some((o) => !o.dropped)) process.exit(1);
  });

const documents = program.command('documents').description('Documents and their upload pipeline');
documents
  .command('retry-held')
  .description('Run the upload pipeline again on every version held pending because the virus scanner gave no verdict (quarantine/held/), and decide it: clean, rejected, or still held; exit 1 while any stays held')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger({ level: 'warn', destination: 2 });
    const outcomes = await withAudit((service, db) => retryHeldVersions({
      config, db, log, auditor: service.auditor,
      store: createDocumentStore(config.storage),
      mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, log }),
    }));
    if (outcomes.length === 0) console.log('no version is held');
    for (const o of outcomes) console.log(`${o.versionId} ${o.status === 'gone' ? 'gone (decided or deleted meanwhile; its file removed)' : o.status}`);
    if (outcomes.some((o) => o.status === 'pending' || o.status === 'not_decidable')) process.exit(1);
  });

const report = program.command('report').description('Service reports');
report
  .command('verify')
  .argument('<file>', 'a signed report PDF, as downloaded')
  .option('--certificate <pem>', "the report-sealing certificate to check against (default: this installation's)")
  .description("Check a signed report offline: its PAdES seal against the report-sealing certificate, and its SHA-256 in a report.signed event of an audit chain that verifies; exit 1 when either fails")
  .action(async (file: string, options: { certificate?: string }) => {
    const config = loadConfig();
    const pdf = readFileSync(file);
    const certificate = options.certificate
      ? certificateDer(readFileSync(options.certificate, 'utf8'))
      : readSealCertificate({ certificatePem: config.reports.sealCertificatePem, keysDir: config.reports.keysDir });
    const verdict = await withAudit((service, db) => verifyReportPdf(pdf, certificate, db, service));
    if (verdict.ok) {
      console.log(`OK: ${file} is the sealed report ${verdict.reportId}, unchanged: the seal verifies (signed ${verdict.signedAt?.toISOString() ?? 'at an unknown time'}) ` +
        `and its SHA-256 ${verdict.sha256} is in audit link ${verdict.seq} of a chain verified to link ${verdict.chainHead}`);
    } else {
      console.error(`REJECTED: ${file} (SHA-256 ${verdict.sha256}): ${verdict.reason}`);
      process.exit(1);
    }
  });

program
  .command('advisories')
  .description('Check the production dependencies of the tree at DIR against published advisories (npm audit; registry from npm config) and write DIR/release/advisories.json; ops/build-release runs it')
  .argument('<dir>', 'a tree with package-lock.json and node_modules (the release being built)')
  .action(async (dir: string) => {
    const { advisoriesPath, runAdvisoryCheck } = await import('../trust/advisories.ts');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const result = await runAdvisoryCheck(dir);
    mkdirSync(join(dir, 'release'), { recursive: true });
    writeFileSync(advisoriesPath(join(dir, 'release')), JSON.stringify(result, null, 2) + '\n');
    console.log(result.reachable
      ? `${result.counts!.total} open advisories (${result.counts!.high + result.counts!.critical} high or critical) in ${result.dependencies} production dependencies`
      : `advisories not measured: ${result.reason}`);
  });

const evidence = program
  .command('evidence')
  .description('Write the evidence pack into an empty directory: ASVS 5.0 level 2 self-assessment from the tests\' annotations with their latest results, SBOM, advisories, drill and backup evidence; manifest signed with the audit key')
  .option('--out <dir>', 'where to write it', `kastell-evidence-${new Date().toISOString().slice(0, 10)}`)
  .action(async (options: { out: string }) => {
    const config = loadConfig();
    const { loadAuditKeys } = await import('../audit/keys.ts');
    const { buildEvidencePack, writeEvidencePack } = await import('../evidence/pack.ts');
    const { locateTestEvidence } = await import('../evidence/asvs.ts');
    const keys = await loadAuditKeys(config.audit);
    const root = new URL('../..', import.meta.url).pathname;
    const tests = locateTestEvidence(root, config.trust.releaseDir);
    const files = await buildEvidencePack({
      root, installation: config.publicUrl, releaseDir: config.trust.releaseDir, evidenceDir: config.trust.evidenceDir,
      testResultsPath: tests.resultsPath, annotated: tests.annotated, signingKey: keys.signingKey, publicKeyArmored: keys.publicKeyArmored,
    });
    writeEvidencePack(options.out, files);
    const summary = (JSON.parse(files.get('asvs-5.0-level2.json')!.toString('utf8')) as { summary: Record<string, number> }).summary;
    console.log(`${options.out}: ${files.size} files; ASVS 5.0 L1+L2: ${summary.requirements} requirements, ${summary.tested} tested, ${summary.notApplicable} not applicable, ${summary.notYet} not yet, ${summary.notAssessed} not assessed`);
  });
evidence
  .command('index')
  .description('Store the tests\' ASVS annotations and the latest test results of the source tree SRC in OUT (ops/build-release: a release ships no tests)')
  .argument('<src>', 'the source tree (with test/)')
  .argument('<out>', 'the release/ folder being built')
  .action(async (src: string, out: string) => {
    const { findAnnotatedTests } = await import('../evidence/asvs.ts');
    const { copyFileSync, existsSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const annotated = findAnnotatedTests(src);
    writeFileSync(join(out, 'asvs-tests.json'), JSON.stringify(annotated, null, 2) + '\n');
    const results = join(src, 'test', 'results', 'latest.json');
    if (existsSync(results)) copyFileSync(results, join(out, 'test-results.json'));
    console.log(`${annotated.length} annotated tests${existsSync(results) ? ', with the latest test results' : '; no test results (run npm test first)'}`);
  });
evidence
  .command('verify')
  .description('Check an evidence pack offline: the manifest\'s signature with the public key, every file\'s SHA-256, nothing unlisted; exit 1 otherwise')
  .argument('<dir>', 'the pack')
  .requiredOption('--key <file>', 'the installation\'s public audit key (the copy you kept of /trust/key.asc)')
  .action(async (dir: string, options: { key: string }) => {
    const { verifyEvidencePack } = await import('../evidence/pack.ts');
    const verdict = await verifyEvidencePack(dir, readFileSync(options.key, 'utf8'));
    if (!verdict.ok) {
      console.error(`REJECTED: ${dir}\n${verdict.problems.map((p) => `  ${p}`).join('\n')}`);
      process.exit(1);
    }
    console.log(`OK: ${dir}: ${verdict.files} files match the signed manifest${verdict.notAssessed ? `; ${verdict.notAssessed} ASVS requirements are not assessed yet` : ''}`);
  });

program
  .command('serve')
  .description('Run the portal (the same as npm start)')
  // loaded only here: the portal pulls in image libraries (sharp) the other commands never need
  .action(async () => (await import('../main.ts')).main());

// What an operator can act on: network and file errors (Node's system error
// codes), postgres.js giving up on a connection, PostgreSQL refusing (wrong
// password, no such database), an HttpError, and the plain Errors Kastell
// throws with a sentence for the operator (short password in the URL, database
// behind: db/migrate.ts, server.ts). TypeError, RangeError and the like are
// bugs: they keep their stack.
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);
const fileCodes = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC']);

/** The one line to print for an expected error, or undefined for a bug. */
export function expectedErrorLine(error: unknown): string | undefined {
  if (error instanceof ConfigError) {
    // the problems and the fix hint, on one line
    const hint = error.message.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('  - ')).slice(1).join(' ');
    return `the configuration is invalid: ${error.problems.join('; ')}. ${hint}`;
  }
  if (!(error instanceof Error)) return undefined;
  const { code, address, port } = error as Error & { code?: unknown; address?: unknown; port?: unknown };
  if (typeof code === 'string' && connectionCodes.has(code)) {
    const where = typeof address === 'string' ? ` ${address}${port !== undefined ? `:${String(port)}` : ''}` : '';
    const what = code === 'ECONNREFUSED' ? 'connection refused: nothing listens there (is the service running, is the port right?)' : error.message;
    return `cannot connect to${where || ' the database'} (${code}): ${what}`;
  }
  if (typeof code === 'string' && fileCodes.has(code)) return error.message;
  // PostgreSQL's own refusal (postgres.js PostgresError): e.g. 28P01 password authentication failed
  if (error.name === 'PostgresError' && typeof code === 'string') return `the database refused: ${error.message} (SQLSTATE ${code})`;
  // HttpError: a status and a code beside a message meant for people
  if (typeof (error as { status?: unknown }).status === 'number' && typeof code === 'string') return error.message;
  if (Object.getPrototypeOf(error) === Error.prototype) return error.message;
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await program.parseAsync();
  } catch (error) {
    const line = expectedErrorLine(error);
    if (line === undefined) throw error;
    console.error(`kastell: ${line.replace(/\s*\n\s*/g, ' ')}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
