// The `kastell` command for operators.
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { startAuditService, type AuditService } from '../audit/service.ts';
import { createMailer } from '../mail/mailer.ts';
import { ConfigError, parseConfig, type Config } from '../config.ts';
import { connectDatabase, type Database } from '../db/client.ts';
import { resolveDatabase } from '../db/resolve-database.ts';
import { createLogger } from '../log.ts';
import type { RetentionPlan } from '../retention/purge.ts';

// Each command imports what else it needs in its action: loading every
// feature (PDF, image and S3 libraries) cost seconds before any command ran.

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
    const { migrate } = await import('../db/migrate.ts');
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
    const { createSetupLink, ownerExists } = await import('../setup/setup-link.ts');
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

/**
 * The actor of an event a CLI command records: the system, labelled with the
 * command and who ran it — the sudo user ops/kastell passes on
 * (KASTELL_CLI_OPERATOR), else the login running the CLI.
 */
function cliActor(config: Config, command: string): { type: 'system'; label: string } {
  return { type: 'system', label: `${command} (run by ${config.cliOperator ?? userInfo().username})` };
}

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
    const { verifyExportDirectory } = await import('../audit/verify-export.ts');
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
  .command('rotate-event-key')
  .description('Start signing audit events with a new event key; the old one is kept under keys/audit-event-retired/ so what it signed still verifies (embedded default; with KASTELL_AUDIT_EVENT_KEY from a credential, rotate the credential instead: README "Audit trail")')
  .action(async () => {
    const { loadAuditKeys } = await import('../audit/keys.ts');
    const { rotateEventKeyFile } = await import('../audit/event-key.ts');
    const config = loadConfig();
    if (config.audit.eventKeyPem) {
      console.error('kastell: the audit event key comes from KASTELL_AUDIT_EVENT_KEY; put the old key into KASTELL_AUDIT_EVENT_KEYS_RETIRED and a new one into KASTELL_AUDIT_EVENT_KEY instead');
      process.exit(2);
    }
    await loadAuditKeys(config.audit); // makes the key file if there is none yet
    const { retired, current } = rotateEventKeyFile(config.audit.keysDir);
    console.log(`audit event key ${retired} retired (still trusted for what it signed); new events are signed with ${current}. Restart Kastell.`);
  });

audit
  .command('retention')
  .description('Retire audit months older than 7 years whose links are all in verified exports (each removal is itself an audit event)')
  .action(async () => {
    const { loadAuditKeys } = await import('../audit/keys.ts');
    const { signerFor } = await import('../audit/record.ts');
    const { applyAuditRetention } = await import('../audit/retention.ts');
    const config = loadConfig();
    const { appUrl, embedded } = await resolveDatabase(config, createLogger({ level: 'warn' }));
    const db = connectDatabase(appUrl, { max: 1 });
    const keys = await loadAuditKeys(config.audit);
    const outcomes = await applyAuditRetention(db, signerFor(keys.events.current)).finally(async () => {
      await db.close();
      await embedded?.stop();
    });
    if (outcomes.length === 0) console.log('no audit month is past the 7-year retention period');
    for (const o of outcomes) console.log(o.dropped ? `retired ${o.month} (${o.links} links)` : `kept ${o.month}: ${o.refused}`);
    if (outcomes.some((o) => !o.dropped)) process.exit(1);
  });

/** The document store as the portal opens it: encrypted per company. */
async function openEncryptedStore(config: Config) {
  const { createDocumentStore } = await import('../storage/open-store.ts');
  const { encryptingStore } = await import('../crypto/encrypting-store.ts');
  const { keyringFromConfig } = await import('../crypto/keyring.ts');
  return encryptingStore(createDocumentStore(config.storage), keyringFromConfig(config));
}

const documents = program.command('documents').description('Documents and their upload pipeline');
documents
  .command('retry-held')
  .description('Run the upload pipeline again on every version held pending because the virus scanner gave no verdict (quarantine/held/), and decide it: clean, rejected, or still held; exit 1 while any stays held')
  .action(async () => {
    const { retryHeldVersions } = await import('../documents/retry-held.ts');
    const config = loadConfig();
    const log = createLogger({ level: 'warn', destination: 2 });
    const { keyringFromConfig } = await import('../crypto/keyring.ts');
    const store = await openEncryptedStore(config);
    const outcomes = await withAudit((service, db) => retryHeldVersions({
      config, db, log, auditor: service.auditor, store, keyring: keyringFromConfig(config),
      mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, log }),
    }));
    if (outcomes.length === 0) console.log('no version is held');
    const said: Record<string, string> = { gone: 'gone (decided or deleted meanwhile; its file removed)', shredded: 'shredded (its company was crypto-shredded; its file removed unscanned)' };
    for (const o of outcomes) console.log(`${o.versionId} ${said[o.status] ?? o.status}`);
    if (outcomes.some((o) => o.status === 'pending' || o.status === 'not_decidable')) process.exit(1);
  });

documents
  .command('sweep-objects')
  .description('Remove from the store every object whose document version was deleted (by hand, by a cascade from its company, site or asset, or by retention), each an audit event; exit 1 when the store failed (those stay queued)')
  .action(async () => {
    const { objectsWaiting, sweepObjects } = await import('../documents/sweep-objects.ts');
    const config = loadConfig();
    const log = createLogger({ level: 'warn', destination: 2 });
    const { result, left } = await withAudit(async (service, db) => {
      const result = await sweepObjects({ db, log, auditor: service.auditor, store: await openEncryptedStore(config) });
      return { result, left: await objectsWaiting(db) };
    });
    console.log(`${result.removed} objects removed (each an audit event); ${left.waiting} still queued${left.failed ? ` (${left.failed} failed before)` : ''}`);
    if (result.failed) {
      console.error(`the store failed on ${result.failed.objectKey}: ${result.failed.error} — it stays queued and is tried again later`);
      process.exit(1);
    }
  });

const retention = program.command('retention').description('Retention per resource type (KASTELL_RETENTION): what is past it, and the purge');
retention
  .command('status')
  .description('Per resource type: its retention, the cutoff, how many rows are past it and the oldest')
  .action(async () => {
    const { retentionStatus } = await import('../retention/purge.ts');
    const config = loadConfig();
    const lines = await withAudit((_service, db) => retentionStatus(db, config.retention));
    for (const l of lines) {
      console.log(`${l.resource.padEnd(17)} keep ${l.keep.padEnd(10)} after ${l.from}; cutoff ${l.cutoff.slice(0, 10)}: ` +
        (l.purged ? `${l.due} due${l.oldest ? ` (oldest ${l.oldest.slice(0, 10)})` : ''}` : `${l.due} past it, kept (report PDFs are never deleted by Kastell)`));
    }
  });
retention
  .command('run')
  .description('List what is past its retention (a dry run, the default); with --apply delete exactly that, in batches, each deletion an audit event')
  .option('--apply', 'delete (without it nothing is deleted)')
  .option('--out <file>', 'write the dry run\'s list as JSON (for --apply --plan later)')
  .option('--plan <file>', 'with --apply: delete exactly the rows of this earlier dry run (those still past retention)')
  .option('--batch <n>', 'rows per transaction', '500')
  .action(async (options: { apply?: boolean; out?: string; plan?: string; batch: string }) => {
    const { applyRetention, planRetention } = await import('../retention/purge.ts');
    const { createDocumentStore } = await import('../storage/open-store.ts');
    const config = loadConfig();
    const batchSize = Number(options.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
      console.error('--batch must be a whole number from 1 to 10000');
      process.exit(2);
    }
    if (options.plan && !options.apply) {
      console.error('--plan is for --apply: a dry run makes the plan (--out)');
      process.exit(2);
    }
    const log = createLogger({ level: 'warn', destination: 2 });
    const result = await withAudit(async (service, db) => {
      const plan: RetentionPlan = options.plan ? JSON.parse(readFileSync(options.plan, 'utf8')) as RetentionPlan : await planRetention(db, config.retention);
      if (!options.apply) return { plan, run: undefined };
      const bar = process.stderr.isTTY && plan.items.length > 0 ? new SingleBar({ format: 'purging {bar} {value}/{total} rows', stream: process.stderr }, Presets.shades_classic) : undefined;
      bar?.start(plan.items.length, 0);
      const run = await applyRetention({ db, store: createDocumentStore(config.storage), auditor: service.auditor, log }, plan, {
        batchSize, onProgress: (done) => bar?.update(done),
      }).finally(() => bar?.stop());
      return { plan, run };
    });
    if (options.out) writeFileSync(options.out, `${JSON.stringify(result.plan, null, 2)}\n`, { mode: 0o600 });
    if (!result.run) {
      for (const item of result.plan.items) console.log(`due ${item.resource} ${item.entityId} (since ${item.agedAt})`);
      console.log(`dry run: ${result.plan.items.length} rows past their retention; nothing deleted (add --apply)`);
      return;
    }
    for (const item of result.run.deleted) console.log(`deleted ${item.resource} ${item.entityId}`);
    for (const item of result.run.kept) console.log(`kept ${item.resource} ${item.entityId}: no longer past its retention`);
    console.log(`${result.run.deleted.length} deleted (each an audit event), ${result.run.kept.length} kept, ${result.run.objectsRemoved} stored objects removed`);
    if (result.run.objectsLeft.length > 0) {
      console.error(`${result.run.objectsLeft.length} stored objects could not be removed: ${result.run.objectsLeft.join(', ')}`);
      process.exit(1);
    }
  });

const report = program.command('report').description('Service reports');
report
  .command('verify')
  .argument('<file>', 'a signed report PDF, as downloaded')
  .option('--certificate <pem>', "the report-sealing certificate to check against (default: this installation's)")
  .description("Check a signed report offline: its PAdES seal against the report-sealing certificate, and its SHA-256 in a report.signed event of an audit chain that verifies; exit 1 when either fails")
  .action(async (file: string, options: { certificate?: string }) => {
    const { readSealCertificate, certificateDer } = await import('../reports/seal.ts');
    const { verifyReportPdf } = await import('../reports/verify-report.ts');
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

const advisories = program
  .command('advisories')
  .description('The dependency-advisory check of a release: check (ops/build-release runs it) and show (the shipped, signed result)');
advisories
  .command('check')
  .description('Check the production dependencies of the tree at DIR against published advisories (npm audit) and write DIR/release/advisories.json (unsigned: kastell release sign signs it)')
  .argument('<dir>', 'a tree with package-lock.json and node_modules (the release being built)')
  .option('--registry <url>', 'the registry whose bulk-advisory endpoint is asked (default: KASTELL_ADVISORY_REGISTRY, else npm\'s configuration)')
  .action(async (dir: string, options: { registry?: string }) => {
    const { advisoriesPath, runAdvisoryCheck } = await import('../trust/advisories.ts');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const result = await runAdvisoryCheck(dir, process.env, options.registry);
    mkdirSync(join(dir, 'release'), { recursive: true });
    writeFileSync(advisoriesPath(join(dir, 'release')), JSON.stringify(result, null, 2) + '\n');
    console.log(result.reachable
      ? `${result.counts!.total} open advisories (${result.counts!.high + result.counts!.critical} high or critical) in ${result.dependencies} production dependencies (${result.registry})`
      : `advisories not measured: ${result.reason}`);
  });
advisories
  .command('show')
  .description('Print the installed release\'s advisory check after checking its signature with the release key (KASTELL_RELEASE_PUBLIC_KEY, else release/release-key.asc); exit 1 when it is missing or unverified')
  .action(async () => {
    const config = loadConfig();
    const { readAdvisoryReport } = await import('../trust/advisories.ts');
    const { readReleaseKey } = await import('../trust/release-signature.ts');
    const evidence = await readAdvisoryReport(config.trust.releaseDir, readReleaseKey(config.trust.releaseDir, config.trust.releasePublicKey));
    if (evidence.state !== 'read') {
      console.error(evidence.state === 'absent' ? `no advisory check: ${evidence.path} does not exist (not a built release)`
        : evidence.state === 'unverified' ? `UNVERIFIED: ${evidence.path} is not shown: ${evidence.reason}`
        : `${evidence.path} ${evidence.reason}`);
      process.exit(1);
    }
    const a = evidence.value;
    console.log(`${evidence.path}: signature verified with ${evidence.pinnedKey ? 'the pinned' : 'the release\'s own'} key ${evidence.keyPath} (${evidence.fingerprint})`);
    console.log(a.reachable && a.counts
      ? `checked ${a.checked_at} against ${a.registry}: ${a.counts.total} open advisories (${a.counts.critical} critical, ${a.counts.high} high, ${a.counts.moderate} moderate, ${a.counts.low} low, ${a.counts.info} info) in ${a.dependencies} production dependencies`
      : `checked ${a.checked_at}: not measured, the registry could not be reached (${a.reason})`);
    for (const p of a.packages) console.log(`  ${p.severity.padEnd(8)} ${p.name} ${p.range}${p.advisories.map((x) => `\n           ${x.title} ${x.url}`).join('')}`);
  });

const release = program
  .command('release')
  .description('The release-signing key on the controller (KASTELL_RELEASE_SIGNING_KEY, default ~/.config/kastell/release-signing-key.asc) and the signatures ops/build-release puts beside the SBOM and the advisory check');
release
  .command('keygen')
  .description('Make the release-signing key if there is none (kept outside the source tree and every release); print its path and fingerprint')
  .action(async () => {
    const { loadReleaseSigningKey, releaseSigningKeyPath } = await import('../trust/release-signature.ts');
    const path = releaseSigningKeyPath();
    const { key, created } = await loadReleaseSigningKey(path, true);
    console.log(`${created ? 'made' : 'kept'} the release-signing key ${path}: ${key.getFingerprint().toUpperCase()}`);
  });
release
  .command('sign')
  .description('Sign DIR/sbom.cdx.json and DIR/advisories.json (detached OpenPGP signatures beside them) and write the public key as DIR/release-key.asc')
  .argument('<dir>', 'the release/ folder being built')
  .option('--outside <trees...>', 'trees the key must not be inside (ops/build-release passes the source tree and the stage)')
  .action(async (dir: string, options: { outside?: string[] }) => {
    const { assertKeyOutside, loadReleaseSigningKey, releaseSigningKeyPath, signRelease } = await import('../trust/release-signature.ts');
    const path = releaseSigningKeyPath();
    assertKeyOutside(path, [dir, ...(options.outside ?? [])]);
    const { key } = await loadReleaseSigningKey(path, false);
    const signed = await signRelease(dir, key);
    console.log(`signed ${signed.join(', ') || 'nothing'} with ${key.getFingerprint().toUpperCase()} (${path})`);
  });
release
  .command('verify')
  .description('Check the release\'s signed files (sbom.cdx.json, advisories.json) offline; exit 1 when one is missing, unsigned or changed')
  .option('--dir <dir>', 'the release/ folder (default: KASTELL_RELEASE_DIR, the installed release)')
  .option('--key <file>', 'the release-signing public key (default: KASTELL_RELEASE_PUBLIC_KEY, else DIR/release-key.asc)')
  .action(async (options: { dir?: string; key?: string }) => {
    const { resolve, join } = await import('node:path');
    const { readReleaseKey, signedReleaseFiles, verifyReleaseFile } = await import('../trust/release-signature.ts');
    const dir = options.dir ? resolve(options.dir) : resolve(process.env.KASTELL_RELEASE_DIR ?? new URL('../../release', import.meta.url).pathname);
    const key = readReleaseKey(dir, options.key ? resolve(options.key) : process.env.KASTELL_RELEASE_PUBLIC_KEY);
    let failed = false;
    for (const name of signedReleaseFiles) {
      const path = join(dir, name);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        console.error(`MISSING: ${path}`);
        failed = true;
        continue;
      }
      const verdict = await verifyReleaseFile(path, bytes, key);
      if (verdict.state === 'verified') console.log(`OK: ${path}: signed by ${verdict.fingerprint} (${verdict.keyPath}${verdict.pinned ? ', pinned' : ', shipped in the release'})`);
      else {
        console.error(`UNVERIFIED: ${path}: ${verdict.reason}`);
        failed = true;
      }
    }
    if (failed) process.exit(1);
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
      testResultsPath: tests.resultsPath, annotated: tests.annotated, signingKey: keys.signingKey, publicKeyArmored: keys.publicKeyArmored, releasePublicKey: config.trust.releasePublicKey,
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

const keys = program.command('keys').description('The key hierarchy: the KEK and the data keys of each company and the operator (README "Keys and encryption")');

keys
  .command('status')
  .description('Every data key version in the key store: owner, version, the KEK that wraps it, when it was made, and how many rows (every encrypted column) and stored document objects still use it')
  .action(async () => {
    const { keyStatus, keyStatusLines } = await import('../crypto/key-status.ts');
    const { createDocumentStore } = await import('../storage/open-store.ts');
    const { keyringFromConfig } = await import('../crypto/keyring.ts');
    const { installationKeyIds } = await import('../crypto/secret-box.ts');
    const config = loadConfig();
    const status = await withAudit((_service, db) => keyStatus(db, createDocumentStore(config.storage), keyringFromConfig(config), installationKeyIds(config)));
    for (const line of keyStatusLines(status)) console.log(line);
  });

keys
  .command('reencrypt')
  .description('Re-seal every row and stored document object still under an older key version (or not encrypted yet) under its owner\'s current version, in batches (one transaction and one audit event each); a run cut off is resumed by running it again')
  .option('--batch <n>', 'rows or objects per batch', '200')
  .action(async (options: { batch: string }) => {
    const { reencrypt } = await import('../crypto/reencrypt.ts');
    const { installFieldKeyring } = await import('../crypto/fields.ts');
    const { createDocumentStore } = await import('../storage/open-store.ts');
    const { keyringFromConfig } = await import('../crypto/keyring.ts');
    const { keyringBoxFromConfig } = await import('../crypto/secret-box.ts');
    const config = loadConfig();
    const batchSize = Number(options.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
      console.error('--batch must be a whole number from 1 to 10000');
      process.exit(2);
    }
    const bar = process.stderr.isTTY ? new SingleBar({ format: 're-encrypting {bar} {value}/{total} rows and objects', stream: process.stderr }, Presets.shades_classic) : undefined;
    const result = await withAudit((service, db) => {
      const keyring = keyringFromConfig(config);
      installFieldKeyring(keyring);
      return reencrypt({
        db, keyring, box: keyringBoxFromConfig(config, keyring), store: createDocumentStore(config.storage),
        audit: (tx, event) => service.auditor.recordAs(tx, cliActor(config, 'kastell keys reencrypt'), event).then(() => {}),
      }, {
        batchSize,
        onTotal: (total) => bar?.start(total, 0),
        onBatch: (done, batch) => {
          bar?.update(done);
          if (!bar) console.log(`batch: ${batch.count} ${batch.what} re-sealed (${done} done)`);
        },
      }).finally(() => bar?.stop());
    });
    console.log(`${result.rows} rows and ${result.objects} objects re-sealed in ${result.batches} batches`);
  });

keys
  .command('rotate')
  .description('--kek: rewrap every data key under a new KEK (file KEK: made here; credential KEK: give the new one as KASTELL_KEK and the old as KASTELL_KEK_PREVIOUS). --company ID / --operator: a new data key version, used for every new value from now on')
  .option('--kek', 'rotate the key-encryption key')
  .option('--company <id>', 'rotate one company\'s data key')
  .option('--operator', 'rotate the operator\'s data key')
  .action(async (options: { kek?: boolean; company?: string; operator?: boolean }) => {
    const { keyringFromConfig, OPERATOR, rotateFileKek } = await import('../crypto/keyring.ts');
    const config = loadConfig();
    const chosen = [options.kek, options.company, options.operator].filter(Boolean).length;
    if (chosen !== 1) {
      console.error('Name exactly one of --kek, --company ID, --operator.');
      process.exit(2);
    }
    const bar = process.stderr.isTTY ? new SingleBar({ format: 'rewrapping {bar} {value}/{total} data keys', stream: process.stderr }, Presets.shades_classic) : undefined;
    const outcome = await withAudit(async (service, db) => db.withPrincipal(null, async (tx) => {
      const audit = (event: Parameters<typeof service.auditor.recordAs>[2]) => service.auditor.recordAs(tx, cliActor(config, 'kastell keys rotate'), event);
      if (options.kek) {
        let started = false;
        const progress = (done: number, total: number) => { if (!started) { bar?.start(total, 0); started = true; } bar?.update(done); };
        const result = config.keys.kek
          ? { from: config.keys.previousKeks.map((k) => k.kekId).join(',') || '(none given)', to: config.keys.kek.kekId, rewrapped: keyringFromConfig(config).rewrapAll(progress) }
          : rotateFileKek(config.keys.keysDir, config.keys.storeDir, progress);
        bar?.stop();
        await audit({ action: 'keys.kek_rotated', entityType: 'kek', entityId: result.to, detail: { from: result.from, rewrapped: result.rewrapped } });
        return `KEK ${result.from} → ${result.to}: ${result.rewrapped} data key(s) rewrapped`;
      }
      const owner = options.operator ? OPERATOR : options.company!;
      if (owner !== OPERATOR && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(owner)) throw new Error('--company takes a company id (a UUID)');
      const ring = keyringFromConfig(config);
      const key = ring.rotate(owner);
      await audit({ action: 'keys.data_key_rotated', entityType: 'data_key', entityId: key.keyId, companyId: owner === OPERATOR ? null : owner, detail: { version: key.version } });
      return `${owner}: data key ${key.keyId} (v${key.version}) is current; values under older versions still open until re-encrypted`;
    }));
    console.log(outcome);
  });

keys
  .command('check-objects')
  .argument('<dir>', 'a restored object store (local layout: object keys are paths under it)')
  .option('--sample <n>', 'how many objects, spread over the sorted list', '20')
  .description('Decrypt a sample of stored objects with the KEK and key store of this installation (the restore drill runs it on restored objects): OK when none fails; objects of a shredded company count apart')
  .action(async (dir: string, options: { sample: string }) => {
    const { keyringFromConfig, KeyUnavailableError } = await import('../crypto/keyring.ts');
    const { decryptObject } = await import('../crypto/encrypting-store.ts');
    const config = loadConfig();
    const ring = keyringFromConfig(config);
    const { readdirSync } = await import('node:fs');
    const { join, relative } = await import('node:path');
    const { Writable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    const files = readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
    const n = Math.max(1, Number(options.sample) || 20);
    const sample = files.length <= n ? files : Array.from({ length: n }, (_, i) => files[Math.floor((i * files.length) / n)]!);
    const counts = { decrypted: 0, shredded: 0, plain: 0 };
    const failed: string[] = [];
    for (const file of sample) {
      const key = relative(dir, file);
      const head = readFileSync(file).subarray(0, 18).toString('latin1');
      if (head !== 'kastell-object v1 ') { counts.plain++; continue; }
      try {
        const { createReadStream } = await import('node:fs');
        await pipeline(await decryptObject(ring, key, createReadStream(file)), new Writable({ write(_c, _e, done) { done(); } }));
        counts.decrypted++;
      } catch (error) {
        if (error instanceof KeyUnavailableError) counts.shredded++;
        else failed.push(`${key}: ${(error as Error).message}`);
      }
    }
    if (failed.length > 0) {
      console.error(`FAILED: ${failed.length} of ${sample.length} objects did not decrypt: ${failed.slice(0, 3).join('; ')}`);
      process.exit(1);
    }
    console.log(`OK: ${counts.decrypted} objects decrypted (${counts.shredded} of shredded companies, ${counts.plain} stored before encryption; ${sample.length} of ${files.length} sampled)`);
  });

keys
  .command('check-fields')
  .option('--sample <n>', 'how many sealed values of each encrypted column, spread over its rows', '20')
  .description('Open a sample of the encrypted fields of the database KASTELL_DATABASE_URL names with the KEK and key store of this installation (the restore drill runs it on its scratch copy): OK when none fails; values of a shredded company count apart')
  .action(async (options: { sample: string }) => {
    const { checkFields } = await import('../crypto/reencrypt.ts');
    const { encryptedColumns } = await import('../crypto/fields.ts');
    const { keyringFromConfig } = await import('../crypto/keyring.ts');
    const config = loadConfig();
    const n = Number(options.sample);
    if (!Number.isInteger(n) || n < 1 || n > 10000) {
      console.error('--sample must be a whole number from 1 to 10000');
      process.exit(2);
    }
    const result = await withAudit((_service, db) => checkFields(db, keyringFromConfig(config), n));
    if (result.failed.length > 0) {
      console.error(`FAILED: ${result.failed.length} of ${result.sampled} fields did not decrypt: ${result.failed.slice(0, 3).join('; ')}`);
      process.exit(1);
    }
    console.log(`OK: ${result.opened} fields decrypted (${result.shredded} of shredded companies; ${result.sampled} sampled, up to ${n} of each of ${encryptedColumns.length} encrypted columns)`);
  });

const company = program.command('company').description('Customer companies');
company
  .command('shred')
  .argument('<id>', 'the company id')
  .description('Crypto-shredding: destroy every version of the company\'s data key, so its encrypted fields and documents are unreadable everywhere, backups included. Asks to type the id again (or --confirm ID). Audited.')
  .option('--confirm <id>', 'the company id again, for scripts')
  .action(async (id: string, options: { confirm?: string }) => {
    const { shredCompany } = await import('../crypto/shred.ts');
    const { keyringFromConfig } = await import('../crypto/keyring.ts');
    const config = loadConfig();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new Error('the company id is a UUID');
    let typed = options.confirm;
    if (typed === undefined) {
      if (!process.stdin.isTTY) throw new Error('type the company id again: --confirm ID');
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      typed = (await rl.question(`This destroys company ${id}'s data key for good: its encrypted fields and documents become unreadable, in backups too.\nType the company id to go on: `)).trim();
      rl.close();
    }
    if (typed !== id) {
      console.error('The id typed is not the company\'s: nothing was destroyed.');
      process.exit(1);
    }
    const destroyed = await withAudit(async (service, db) => db.withPrincipal(null, async (tx) => {
      // the same code as the owner's shred page (app/keys/routes.tsx)
      return shredCompany(tx, keyringFromConfig(config), id, (t, event) => service.auditor.recordAs(t, cliActor(config, 'kastell company shred'), event));
    }));
    console.log(`company ${id}: ${destroyed.length} data key version(s) destroyed (${destroyed.join(', ') || 'none existed'}).`);
    console.log('Refresh the off-box copy of the key store now (README "Keys and encryption"): an older copy still holds the key.');
  });

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
