// The one place that reads the environment. Parsed once at boot; an invalid
// value stops the process with a message that says how to fix it.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), {
    message: 'must be a postgres:// URL, e.g. postgres://kastell:secret@127.0.0.1:5432/kastell',
  });

const cidrList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .refine((parts) => parts.every(isCidr), {
    message: 'must be a comma-separated list of CIDRs, e.g. 10.8.0.0/24,127.0.0.1/32',
  });

function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

export const configSchema = z
  .object({
    KASTELL_DATABASE_URL: postgresUrl.optional(),
    KASTELL_ADMIN_DATABASE_URL: postgresUrl.optional(),
    KASTELL_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    KASTELL_HTTP_PORT: port.default(3000),
    KASTELL_PUBLIC_URL: z
      .url({ message: 'must be an absolute URL such as https://portal.example.ch' })
      .refine((value) => /^https?:\/\//.test(value), { message: 'must start with http:// or https://' })
      .optional(),
    KASTELL_DATA_DIR: z.string().min(1).default('./var'),
    KASTELL_TRUSTED_PROXIES: cidrList.default([]),
    KASTELL_ADMIN_NETWORKS: cidrList.optional(),
    KASTELL_CORS_ORIGINS: z
      .string()
      .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
      .refine((origins) => origins.every(isOrigin), {
        message: 'must be a comma-separated list of origins (scheme://host[:port], no path, no *), e.g. https://app.example.ch',
      })
      .default([]),
    KASTELL_STORAGE: z.enum(['local', 's3'], { message: 'must be "local" or "s3"' }).default('local'),
    KASTELL_S3_ENDPOINT: z.url({ message: 'must be a URL such as http://127.0.0.1:9000' }).optional(),
    KASTELL_S3_BUCKET: z.string().min(3).default('kastell-documents'),
    KASTELL_S3_ACCESS_KEY: z.string().min(1).optional(),
    KASTELL_S3_SECRET_KEY: z.string().min(1).optional(),
    KASTELL_S3_REGION: z.string().min(1).default('us-east-1'),
    KASTELL_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
    KASTELL_MAIL_FROM: z.string().min(3).default('Kastell <kastell@localhost>'),
    // who runs the CLI (ops/kastell passes the sudo user): named in the audit events of key commands
    KASTELL_CLI_OPERATOR: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$/, 'must be a user name').optional(),
    KASTELL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    KASTELL_LOKI_URL: z.url().optional(),
    KASTELL_SETUP_TOKEN_TTL_MINUTES: z.coerce.number().int().min(5).max(7 * 24 * 60).default(60),
    KASTELL_INVITE_TTL_HOURS: z.coerce.number().int().min(1).max(30 * 24).default(72),
    KASTELL_AUDITOR_DAYS: z.coerce.number().int().min(1).max(90).default(30),
    KASTELL_AUDITOR_MAX_DAYS: z.coerce.number().int().min(1).max(90).default(90),
    // Identity (README "Identity"): breached-password API, hashing bound, MFA, sessions, lockout.
    KASTELL_HIBP_URL: z
      .union([z.literal('off'), z.url({ message: 'must be a URL such as https://api.pwnedpasswords.com, or "off"' })])
      .default('https://api.pwnedpasswords.com'),
    KASTELL_HIBP_UNREACHABLE: z.enum(['allow', 'refuse'], { message: 'must be "allow" or "refuse"' }).default('allow'),
    KASTELL_HIBP_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
    KASTELL_ARGON2_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
    KASTELL_ARGON2_QUEUE: z.coerce.number().int().min(0).max(10_000).optional(),
    KASTELL_ARGON2_NICE: z.coerce.number().int().min(0).max(19).default(10),
    KASTELL_SECRET_KEY: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, { message: 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)' })
      .optional(),
    KASTELL_SECRET_KEY_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, _ or -').default('k1'),
    // the key-encryption key (app/crypto/keyring.ts): a systemd credential in production
    // `base64`, or `id:base64` (what kastell-rotate-kek writes: the id travels with the key)
    KASTELL_KEK: z
      .string()
      .refine((value) => {
        const colon = value.indexOf(':');
        const key = value.slice(colon + 1);
        return (colon < 0 || /^[A-Za-z0-9_-]{1,32}$/.test(value.slice(0, colon))) && /^[A-Za-z0-9+/_=-]+$/.test(key) && Buffer.from(key, 'base64').length === 32;
      }, { message: 'must be 32 random bytes, base64-encoded (openssl rand -base64 32), optionally after its id and a colon' })
      .optional(),
    KASTELL_KEK_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, _ or -').default('kek1'),
    KASTELL_KEK_PREVIOUS: z
      .string()
      .refine((value) => value.split(',').every((p) => /^[A-Za-z0-9_-]{1,32}:/.test(p) && Buffer.from(p.split(':')[1] ?? '', 'base64').length === 32), { message: 'must be id:base64 pairs, comma-separated (the KEKs being rotated away from)' })
      .optional(),
    KASTELL_KEYSTORE_DIR: z.string().min(1).optional(),
    // off on the appliance: the KEK is only ever a credential, never a file made in the data directory
    KASTELL_KEK_FILE: z.enum(['on', 'off']).default('on'),
    KASTELL_MFA_CUSTOMERS: z.enum(['required', 'optional'], { message: 'must be "required" or "optional"' }).default('required'),
    KASTELL_IDLE_ADMIN_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
    KASTELL_IDLE_CUSTOMER_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
    KASTELL_IDLE_TECHNICIAN_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(12 * 60),
    KASTELL_SUDO_MINUTES: z.coerce.number().int().min(1).max(60).default(10),
    KASTELL_IP_LOCKOUT_SCALE: z.coerce.number().int().min(1).max(100).default(4),
    KASTELL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
    KASTELL_ACCOUNT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
    // the proof-of-work bot challenge (app/auth/bot-challenge.ts, README "Identity"): asked once an
    // address has failed this often in 15 minutes (a client IP: times KASTELL_IP_LOCKOUT_SCALE), or
    // the endpoint as a whole this often; 0 asks always
    KASTELL_CHALLENGE_AFTER_FAILURES: z.coerce.number().int().min(0).max(1000).default(3),
    KASTELL_CHALLENGE_AFTER_ENDPOINT_FAILURES: z.coerce.number().int().min(0).max(1_000_000).default(100),
    // the largest number a browser may have to try (work: half of it on average, SHA-256 each)
    KASTELL_CHALLENGE_MAX_NUMBER: z.coerce.number().int().min(100).max(10_000_000).default(50_000),
    // the challenges' HMAC key (a systemd credential in production); else derived from the installation secret key
    KASTELL_CHALLENGE_HMAC_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length >= 32, { message: 'must be at least 32 random bytes, base64-encoded (openssl rand -base64 32)' })
      .optional(),
    // per signed-in user (app/http/rate-limit.ts); 0 turns a limit off
    KASTELL_USER_WRITES_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(120),
    KASTELL_USER_API_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
    KASTELL_AUDIT_HMAC_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length >= 32, { message: 'must be at least 32 random bytes, base64-encoded (openssl rand -base64 32)' })
      .optional(),
    KASTELL_AUDIT_SIGNING_KEY: z
      .string()
      .refine((v) => v.includes('BEGIN PGP PRIVATE KEY BLOCK'), { message: 'must be an armored OpenPGP private key' })
      .optional(),
    // the Ed25519 key that signs every audit event and seals every link (PKCS #8 PEM; README "Audit trail")
    KASTELL_AUDIT_EVENT_KEY: z
      .string()
      .refine((v) => v.includes('BEGIN PRIVATE KEY'), { message: 'must be an Ed25519 private key in PKCS #8 PEM (openssl genpkey -algorithm ed25519)' })
      .optional(),
    // earlier event keys (PKCS #8 PEM, one after another): still trusted for what they signed, never used to sign
    KASTELL_AUDIT_EVENT_KEYS_RETIRED: z
      .string()
      .refine((v) => v.includes('BEGIN PRIVATE KEY'), { message: 'must be one or more Ed25519 private keys in PKCS #8 PEM' })
      .optional(),
    // the report-sealing key (PKCS #8 PEM) and its certificate (PEM); both or neither
    KASTELL_REPORT_SEAL_KEY: z
      .string()
      .refine((v) => v.includes('BEGIN PRIVATE KEY'), { message: 'must be a PKCS #8 private key in PEM (-----BEGIN PRIVATE KEY-----)' })
      .optional(),
    KASTELL_REPORT_SEAL_CERT: z
      .string()
      .refine((v) => v.includes('BEGIN CERTIFICATE'), { message: 'must be an X.509 certificate in PEM (-----BEGIN CERTIFICATE-----)' })
      .optional(),
    KASTELL_AUDIT_ARCHIVE_DIR: z.string().min(1).optional(),
    // an S3 bucket (off the box) that receives every verified daily export
    KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT: z.url({ message: 'must be a URL such as https://s3.example.ch' }).optional(),
    KASTELL_AUDIT_ARCHIVE_S3_BUCKET: z.string().min(3).optional(),
    KASTELL_AUDIT_ARCHIVE_S3_ACCESS_KEY: z.string().min(1).optional(),
    KASTELL_AUDIT_ARCHIVE_S3_SECRET_KEY: z.string().min(1).optional(),
    KASTELL_AUDIT_ARCHIVE_S3_REGION: z.string().min(1).default('us-east-1'),
    KASTELL_AUDIT_CHAIN_INTERVAL_MS: z.coerce.number().int().min(20).max(10_000).default(200),
    KASTELL_AUDIT_UNCHAINED_BOUND_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
    // how often the chain head is signed and shipped while it moves: the window in which a cut tail can go unseen
    KASTELL_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    KASTELL_JOBS: z.enum(['on', 'off'], { message: 'must be "on" or "off"' }).default('on'),
    // Overload (README "Limits under overload"): bounded queues, a fast 503 with Retry-After past them.
    KASTELL_HTTP_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(32),
    KASTELL_HTTP_QUEUE: z.coerce.number().int().min(0).max(100_000).default(32),
    KASTELL_HTTP_QUEUE_WAIT_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
    KASTELL_DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    KASTELL_DB_POOL_QUEUE: z.coerce.number().int().min(0).max(100_000).default(32),
    KASTELL_DB_POOL_WAIT_MS: z.coerce.number().int().min(1).max(60_000).default(2000),
    KASTELL_UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
    KASTELL_UPLOAD_QUEUE: z.coerce.number().int().min(0).max(10_000).default(4),
    KASTELL_UPLOAD_QUEUE_WAIT_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
    // Documents (README "Documents"): upload limits, the image bound, clamd.
    KASTELL_UPLOAD_MAX_MIB: z.coerce.number().int().min(1).max(4095).default(1024),
    KASTELL_UPLOAD_LIMITS_MIB: z
      .string()
      // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with a comma: linear, and read from the environment only
      .regex(/^\s*(contract|certificate|manual|invoice|photo|other)=\d{1,4}\s*(,\s*(contract|certificate|manual|invoice|photo|other)=\d{1,4}\s*)*$/,
        'must be kind=MiB pairs separated by commas, e.g. photo=50,invoice=20 (kinds: contract, certificate, manual, invoice, photo, other)')
      .optional(),
    KASTELL_IMAGE_MAX_PIXELS: z.coerce.number().int().min(1_000_000).max(1_000_000_000).default(100_000_000),
    KASTELL_CLAMD_SOCKET: z.string().min(1).default('/run/clamav/clamd.ctl'),
    KASTELL_CLAMD_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(300_000),
    KASTELL_QUARANTINE_DIR: z.string().min(1).optional(),
    KASTELL_SHARE_LINK_DAYS: z.coerce.number().int().min(1).max(90).default(7),
    KASTELL_SHARE_LINK_MAX_DAYS: z.coerce.number().int().min(1).max(90, 'must be at most 90 (SPEC: share links live at most 90 days)').default(90),
    // Trust (README "Trust page"): where the appliance's backup and restore drill write their evidence, the
    // security.txt contact, how long computed figures are kept.
    KASTELL_EVIDENCE_DIR: z.string().min(1).default('/var/lib/kastell/evidence'),
    // the release's SBOM and dependency-advisory check (ops/build-release writes them into release/)
    KASTELL_RELEASE_DIR: z.string().min(1).default(new URL('../release', import.meta.url).pathname),
    // the release-signing public key those files are checked with (the appliance role pins the controller's copy);
    // unset: the key the release ships (release/release-key.asc)
    KASTELL_RELEASE_PUBLIC_KEY: z.string().min(1).optional(),
    KASTELL_BACKUP_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(24 * 31).default(26),
    KASTELL_SECURITY_CONTACT: z
      .string()
      .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
      .refine((uris) => uris.length > 0 && uris.every(isContactUri), {
        message: 'must be one or more contact URIs separated by commas: mailto:security@example.ch, https://example.ch/report or tel:+41…',
      })
      .optional(),
    KASTELL_TRUST_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
    KASTELL_DOWNLOAD_ALERT: z
      .string()
      .regex(/^(off|[1-9]\d{0,5}\/[1-9]\d{0,4}[smh])$/, 'must be downloads/window, e.g. 50/10m (s, m or h), or off')
      .default('50/10m'),
    KASTELL_RETENTION: z.string().optional(),
    KASTELL_RETENTION_SCHEDULE: z.enum(['on', 'off']).default('on'),
  })
  .superRefine((env, ctx) => {
    for (const problem of parseRetention(env.KASTELL_RETENTION).problems) {
      ctx.addIssue({ code: 'custom', path: ['KASTELL_RETENTION'], message: problem });
    }
    if (env.KASTELL_STORAGE === 's3') {
      for (const key of ['KASTELL_S3_ENDPOINT', 'KASTELL_S3_ACCESS_KEY', 'KASTELL_S3_SECRET_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when KASTELL_STORAGE=s3' });
      }
    }
    if (env.KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT) {
      for (const key of ['KASTELL_AUDIT_ARCHIVE_S3_BUCKET', 'KASTELL_AUDIT_ARCHIVE_S3_ACCESS_KEY', 'KASTELL_AUDIT_ARCHIVE_S3_SECRET_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT is set' });
      }
    }
    if (!env.KASTELL_SECURITY_CONTACT && !derivedSecurityContact(env.KASTELL_PUBLIC_URL) && !isLoopbackUrl(env.KASTELL_PUBLIC_URL)) {
      ctx.addIssue({ code: 'custom', path: ['KASTELL_SECURITY_CONTACT'], message:
        "is required: /.well-known/security.txt (RFC 9116) must name a contact, and KASTELL_PUBLIC_URL's host is an IP address, " +
        'so no security@ mailbox can be derived from it (e.g. KASTELL_SECURITY_CONTACT=mailto:security@example.ch)' });
    }
    if (Boolean(env.KASTELL_REPORT_SEAL_KEY) !== Boolean(env.KASTELL_REPORT_SEAL_CERT)) {
      const missing = env.KASTELL_REPORT_SEAL_KEY ? 'KASTELL_REPORT_SEAL_CERT' : 'KASTELL_REPORT_SEAL_KEY';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required with its partner: give the sealing key and its certificate together' });
    }
  });

export type Env = z.infer<typeof configSchema>;

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return /^https?:$/.test(url.protocol) && url.origin === value;
}

function isContactUri(value: string): boolean {
  if (/^mailto:[^@\s]+@[^@\s]+$/.test(value) || /^tel:\+?[0-9 ().-]{3,30}$/.test(value)) return true;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** A public URL on this machine only (the embedded default): nobody outside can read its security.txt. */
function isLoopbackUrl(publicUrl: string | undefined): boolean {
  // an invalid URL has its own issue (the field's); this check stays quiet about it
  if (!publicUrl || !URL.canParse(publicUrl)) return true;
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

/**
 * Without KASTELL_SECURITY_CONTACT: the SECURITY mailbox RFC 2142 §4 names for
 * the public host (security@portal.example.ch) — a DNS name only; an IP
 * address or a loopback URL gives none.
 */
function derivedSecurityContact(publicUrl: string | undefined): string | undefined {
  if (!publicUrl || isLoopbackUrl(publicUrl)) return undefined;
  const host = new URL(publicUrl).hostname;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0 || !host.includes('.')) return undefined;
  return `mailto:security@${host}`;
}

export interface Config {
  databaseUrl: string | undefined;
  adminDatabaseUrl: string | undefined;
  http: { host: string; port: number };
  publicUrl: string;
  publicOrigin: string;
  secureCookies: boolean;
  dataDir: string;
  trustedProxies: string[];
  adminNetworks: string[] | undefined;
  /** origins whose browsers may call /api/v1 with credentials (app/http/cors.ts); none by default */
  corsOrigins: string[];
  storage:
    | { kind: 'local'; dir: string }
    | { kind: 's3'; endpoint: string; bucket: string; accessKey: string; secretKey: string; region: string };
  smtpUrl: string | undefined;
  mailFrom: string;
  /** KASTELL_CLI_OPERATOR: the person running the CLI, when a wrapper says (ops/kastell) */
  cliOperator: string | undefined;
  logLevel: Env['KASTELL_LOG_LEVEL'];
  lokiUrl: string | undefined;
  setupTokenTtlMinutes: number;
  inviteTtlHours: number;
  /** an external auditor's membership: offered length and the longest an inviter may choose (the database caps it at 90) */
  auditorDays: { default: number; max: number };
  identity: {
    hibpUrl: string | null;
    hibpUnreachable: 'allow' | 'refuse';
    hibpTimeoutMs: number;
    argon2Concurrency: number;
    argon2Queue: number;
    argon2Nice: number;
    secretKey: Buffer | undefined;
    secretKeyId: string;
    mfaCustomers: 'required' | 'optional';
    idleMinutes: { admin: number; customer: number; technician: number };
    sudoMinutes: number;
    ipLockoutScale: number;
    /** requests per minute per client IP to each pre-sign-in endpoint (app/http/rate-limit.ts) */
    rateLimitPerMinute: number;
    /** requests per minute per account (the e-mail a body names, the token in a path) to each pre-sign-in endpoint */
    accountRateLimitPerMinute: number;
    /** the proof-of-work bot challenge (app/auth/bot-challenge.ts) */
    challenge: {
      /** an address's failures in 15 minutes (a client IP's: times ipLockoutScale) after which it is asked; 0 = always */
      afterFailures: number;
      /** the endpoint's failures (all addresses) in the current and previous 15-minute window after which it is asked */
      afterEndpointFailures: number;
      maxNumber: number;
      /** from the environment/credential; else derived from the installation secret key */
      hmacKey: Buffer | undefined;
    };
  };
  /** the key hierarchy (app/crypto/keyring.ts) */
  keys: {
    kek: { kekId: string; key: Buffer } | undefined;
    previousKeks: { kekId: string; key: Buffer }[];
    keysDir: string;
    /** the data key files: outside the database and every data backup */
    storeDir: string;
    /** whether a KEK file may be made and read under keysDir when KASTELL_KEK is not set (KASTELL_KEK_FILE) */
    kekFile: boolean;
  };
  /** per signed-in user, per minute: writes (unsafe methods) and API calls; 0 = off (app/http/rate-limit.ts) */
  limits: { writes: number; api: number };
  /** bounded queues under overload (app/http/bound.ts, README "Limits under overload") */
  overload: {
    /** requests being handled (the health endpoints are not counted), and those waiting for a slot */
    http: { slots: number; queue: number; waitMs: number };
    /** the pool's connections (transactions running), and transactions waiting for one */
    database: { max: number; queue: number; waitMs: number };
    /** upload bodies being received at once, and uploads waiting (their bodies unread) */
    uploads: { slots: number; queue: number; waitMs: number };
  };
  audit: {
    /** from the environment/credential; else generated under dataDir/keys */
    hmacKey: Buffer | undefined;
    signingKeyArmored: string | undefined;
    /** the audit event key (Ed25519, PKCS #8 PEM) and retired ones; else generated under keysDir */
    eventKeyPem: string | undefined;
    retiredEventKeysPem: string | undefined;
    keysDir: string;
    archiveDir: string;
    /** where verified exports are also shipped (off the box), when configured */
    archiveS3: Extract<Config['storage'], { kind: 's3' }> | undefined;
    chainIntervalMs: number;
    unchainedBoundSeconds: number;
    checkpointSeconds: number;
  };
  /** scheduled jobs (daily verification, export); off for tests that drive them directly */
  /** the report seal (app/reports/seal.ts): from the environment/credential, else generated under keysDir */
  reports: {
    sealKeyPem: string | undefined;
    sealCertificatePem: string | undefined;
    keysDir: string;
  };
  jobs: boolean;
  /** how long each resource type is kept after it ended (KASTELL_RETENTION over the defaults) */
  retention: RetentionPolicy;
  /** the server's own daily purge (with jobs on); off where a systemd timer runs `kastell retention run --apply` */
  retentionSchedule: boolean;
  trust: {
    /** where ops/kastell-backup and ops/kastell-restore-drill write backup.json and restore-drill.json */
    evidenceDir: string;
    /** the release's sbom.cdx.json and advisories.json (ops/build-release) */
    releaseDir: string;
    /** KASTELL_RELEASE_PUBLIC_KEY: the pinned release-signing key; undefined: release/release-key.asc */
    releasePublicKey: string | undefined;
    /** a last successful backup older than this is stale (ops/kastell-watch alerts at the same age) */
    backupMaxAgeHours: number;
    /** security.txt's Contact lines; none on a loopback URL without KASTELL_SECURITY_CONTACT (then it is not served) */
    securityContacts: string[];
    cacheSeconds: number;
  };
  documents: {
    /** bytes, per document kind */
    maxBytes: Record<DocumentKind, number>;
    maxPixels: number;
    clamdSocket: string;
    clamdTimeoutMs: number;
    /** where uploads wait (on local disk) until the pipeline has decided */
    quarantineDir: string;
    /** share links: default and longest lifetime in days */
    shareLinkDays: number;
    shareLinkMaxDays: number;
    /** unusual download volume: this many reads per user or per share link within the window raise an alert; null: off */
    downloadAlert: { limit: number; windowSeconds: number } | null;
  };
}

// Retention per resource type (SPEC §3 "Privacy and retention"; app/retention/ applies it).
/** A period: years, months or days. */
export interface Period {
  count: number;
  unit: 'y' | 'm' | 'd';
}

export const retentionResources = {
  contracts: { entity: 'document', from: 'the last version was uploaded', default: { count: 7, unit: 'y' } },
  service_reports: { entity: 'service_report', from: 'the report was signed (or frozen)', default: { count: 10, unit: 'y' } },
  sessions: { entity: 'session', from: 'the session ended', default: { count: 30, unit: 'd' } },
  share_links: { entity: 'share_link', from: 'the link was revoked or expired', default: { count: 1, unit: 'y' } },
  messages: { entity: 'job_message', from: 'their job was closed or cancelled', default: { count: 2, unit: 'y' } },
  rejected_uploads: { entity: 'document_version', from: 'the upload was rejected', default: { count: 30, unit: 'd' } },
  notifications: { entity: 'notification', from: 'the notification was made', default: { count: 1, unit: 'y' } },
} as const satisfies Record<string, { entity: string; from: string; default: Period }>;

export type RetentionResource = keyof typeof retentionResources;
export const resourceNames = Object.keys(retentionResources) as RetentionResource[];

export type RetentionPolicy = Record<RetentionResource, Period>;

export const defaultRetention: RetentionPolicy = Object.fromEntries(
  resourceNames.map((r) => [r, { ...retentionResources[r].default }]),
) as RetentionPolicy;

/** Below these the configuration is refused: the purge's cutoff lies at least a day back, legal records longer. */
const floors: Partial<Record<RetentionResource, Period>> = {
  service_reports: { count: 10, unit: 'y' },
};

function days(p: Period): number {
  return p.count * { y: 365, m: 30, d: 1 }[p.unit];
}

/**
 * `KASTELL_RETENTION=sessions=90d,messages=3y` → the policy, or the problems
 * (each names the resource and what is wrong).
 */
export function parseRetention(value: string | undefined): { policy: RetentionPolicy; problems: string[] } {
  const policy = structuredClone(defaultRetention);
  const problems: string[] = [];
  for (const pair of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z_]+)=([1-9]\d{0,3})([ymd])$/.exec(pair);
    if (!match) {
      problems.push(`"${pair}" is not resource=period (e.g. sessions=90d; units y, m, d)`);
      continue;
    }
    const resource = match[1] as RetentionResource;
    if (!(resource in retentionResources)) {
      problems.push(`"${match[1]}" is not a resource with a retention (${resourceNames.join(', ')})`);
      continue;
    }
    const period: Period = { count: Number(match[2]), unit: match[3] as Period['unit'] };
    const floor = floors[resource];
    if (floor && days(period) < days(floor)) {
      problems.push(`${resource} are kept at least ${formatPeriod(floor)} (legal records), not ${formatPeriod(period)}`);
      continue;
    }
    policy[resource] = period;
  }
  return { policy, problems };
}

export function formatPeriod(p: Period): string {
  const word = { y: 'year', m: 'month', d: 'day' }[p.unit];
  return `${p.count} ${word}${p.count === 1 ? '' : 's'}`;
}

export const documentKinds = ['contract', 'certificate', 'manual', 'invoice', 'photo', 'other'] as const;
export type DocumentKind = (typeof documentKinds)[number];

function downloadAlert(value: string): { limit: number; windowSeconds: number } | null {
  const match = /^(\d+)\/(\d+)([smh])$/.exec(value);
  if (!match) return null;
  return { limit: Number(match[1]), windowSeconds: Number(match[2]) * { s: 1, m: 60, h: 3600 }[match[3] as 's' | 'm' | 'h'] };
}

function uploadLimits(maxMiB: number, overrides: string | undefined): Record<DocumentKind, number> {
  const limits = Object.fromEntries(documentKinds.map((kind) => [kind, maxMiB * 1024 * 1024])) as Record<DocumentKind, number>;
  for (const pair of (overrides ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kind, mib] = pair.split('=') as [DocumentKind, string];
    limits[kind] = Math.min(Number(mib), maxMiB) * 1024 * 1024;
  }
  return limits;
}

/** KASTELL_KEK: `id:base64` names its own id; a bare key has KASTELL_KEK_ID's. */
function kekOf(value: string, defaultId: string): { kekId: string; key: Buffer } {
  const colon = value.indexOf(':');
  return colon < 0 ? { kekId: defaultId, key: Buffer.from(value, 'base64') } : { kekId: value.slice(0, colon), key: Buffer.from(value.slice(colon + 1), 'base64') };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Kastell cannot start: the configuration is invalid.\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
      'Set the variables in the environment (or as systemd credentials) and start again. See README "Configuration".');
  }
}

// Any KASTELL_X may come from a systemd credential file of that name
// (LoadCredential=), so secrets never sit in environment files.
function readCredentials(source: NodeJS.ProcessEnv): Record<string, string> {
  const dir = source.CREDENTIALS_DIRECTORY;
  const found: Record<string, string> = {};
  if (!dir) return found;
  for (const key of Object.keys(configSchema.shape)) {
    const file = join(dir, key);
    if (existsSync(file)) found[key] = readFileSync(file, 'utf8').trim();
  }
  return found;
}

export function parseConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, readCredentials(source));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? 'environment');
        const shown = key in raw && !/URL|KEY|KEK|SECRET/.test(key) ? ` (got "${raw[key]}")` : '';
        return `${key} ${issue.message}${shown}`;
      }),
    );
  }
  const env = parsed.data;
  const publicUrl = (env.KASTELL_PUBLIC_URL ?? `http://${env.KASTELL_HTTP_HOST}:${env.KASTELL_HTTP_PORT}`).replace(/\/$/, '');
  const dataDir = resolve(env.KASTELL_DATA_DIR);
  return {
    databaseUrl: env.KASTELL_DATABASE_URL,
    adminDatabaseUrl: env.KASTELL_ADMIN_DATABASE_URL,
    http: { host: env.KASTELL_HTTP_HOST, port: env.KASTELL_HTTP_PORT },
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    secureCookies: true,
    dataDir,
    trustedProxies: env.KASTELL_TRUSTED_PROXIES,
    adminNetworks: env.KASTELL_ADMIN_NETWORKS,
    corsOrigins: env.KASTELL_CORS_ORIGINS,
    storage:
      env.KASTELL_STORAGE === 's3'
        ? {
            kind: 's3',
            endpoint: env.KASTELL_S3_ENDPOINT!,
            bucket: env.KASTELL_S3_BUCKET,
            accessKey: env.KASTELL_S3_ACCESS_KEY!,
            secretKey: env.KASTELL_S3_SECRET_KEY!,
            region: env.KASTELL_S3_REGION,
          }
        : { kind: 'local', dir: join(dataDir, 'documents') },
    smtpUrl: env.KASTELL_SMTP_URL,
    mailFrom: env.KASTELL_MAIL_FROM,
    cliOperator: env.KASTELL_CLI_OPERATOR,
    logLevel: env.KASTELL_LOG_LEVEL,
    lokiUrl: env.KASTELL_LOKI_URL,
    setupTokenTtlMinutes: env.KASTELL_SETUP_TOKEN_TTL_MINUTES,
    inviteTtlHours: env.KASTELL_INVITE_TTL_HOURS,
    auditorDays: { default: Math.min(env.KASTELL_AUDITOR_DAYS, env.KASTELL_AUDITOR_MAX_DAYS), max: env.KASTELL_AUDITOR_MAX_DAYS },
    identity: {
      hibpUrl: env.KASTELL_HIBP_URL === 'off' ? null : env.KASTELL_HIBP_URL.replace(/\/$/, ''),
      hibpUnreachable: env.KASTELL_HIBP_UNREACHABLE,
      hibpTimeoutMs: env.KASTELL_HIBP_TIMEOUT_MS,
      // 64 MiB each. One core fewer than the machine has (at least one): the
      // event loop, which answers the fast 429/503s, keeps room (README
      // "Identity", issue 10 part 8); the queue stays one per core.
      argon2Concurrency: env.KASTELL_ARGON2_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
      argon2Queue: env.KASTELL_ARGON2_QUEUE ?? (env.KASTELL_ARGON2_CONCURRENCY ?? Math.max(1, availableParallelism())),
      argon2Nice: env.KASTELL_ARGON2_NICE,
      secretKey: env.KASTELL_SECRET_KEY ? Buffer.from(env.KASTELL_SECRET_KEY, 'base64') : undefined,
      secretKeyId: env.KASTELL_SECRET_KEY_ID,
      mfaCustomers: env.KASTELL_MFA_CUSTOMERS,
      idleMinutes: {
        admin: env.KASTELL_IDLE_ADMIN_MINUTES,
        customer: env.KASTELL_IDLE_CUSTOMER_MINUTES,
        technician: env.KASTELL_IDLE_TECHNICIAN_MINUTES,
      },
      sudoMinutes: env.KASTELL_SUDO_MINUTES,
      ipLockoutScale: env.KASTELL_IP_LOCKOUT_SCALE,
      rateLimitPerMinute: env.KASTELL_RATE_LIMIT_PER_MINUTE,
      accountRateLimitPerMinute: env.KASTELL_ACCOUNT_RATE_LIMIT_PER_MINUTE,
      challenge: {
        afterFailures: env.KASTELL_CHALLENGE_AFTER_FAILURES,
        afterEndpointFailures: env.KASTELL_CHALLENGE_AFTER_ENDPOINT_FAILURES,
        maxNumber: env.KASTELL_CHALLENGE_MAX_NUMBER,
        hmacKey: env.KASTELL_CHALLENGE_HMAC_KEY ? Buffer.from(env.KASTELL_CHALLENGE_HMAC_KEY, 'base64') : undefined,
      },
    },
    keys: {
      kek: env.KASTELL_KEK ? kekOf(env.KASTELL_KEK, env.KASTELL_KEK_ID) : undefined,
      previousKeks: (env.KASTELL_KEK_PREVIOUS ?? '').split(',').filter(Boolean).map((p) => ({ kekId: p.split(':')[0]!, key: Buffer.from(p.split(':')[1]!, 'base64') })),
      keysDir: join(dataDir, 'keys'),
      storeDir: resolve(env.KASTELL_KEYSTORE_DIR ?? join(dataDir, 'keys', 'data-keys')),
      kekFile: env.KASTELL_KEK_FILE === 'on',
    },
    limits: { writes: env.KASTELL_USER_WRITES_PER_MINUTE, api: env.KASTELL_USER_API_PER_MINUTE },
    overload: {
      http: { slots: env.KASTELL_HTTP_MAX_IN_FLIGHT, queue: env.KASTELL_HTTP_QUEUE, waitMs: env.KASTELL_HTTP_QUEUE_WAIT_MS },
      database: { max: env.KASTELL_DB_POOL_MAX, queue: env.KASTELL_DB_POOL_QUEUE, waitMs: env.KASTELL_DB_POOL_WAIT_MS },
      uploads: { slots: env.KASTELL_UPLOAD_CONCURRENCY, queue: env.KASTELL_UPLOAD_QUEUE, waitMs: env.KASTELL_UPLOAD_QUEUE_WAIT_MS },
    },
    audit: {
      hmacKey: env.KASTELL_AUDIT_HMAC_KEY ? Buffer.from(env.KASTELL_AUDIT_HMAC_KEY, 'base64') : undefined,
      signingKeyArmored: env.KASTELL_AUDIT_SIGNING_KEY,
      eventKeyPem: env.KASTELL_AUDIT_EVENT_KEY,
      retiredEventKeysPem: env.KASTELL_AUDIT_EVENT_KEYS_RETIRED,
      keysDir: join(dataDir, 'keys'),
      archiveDir: resolve(env.KASTELL_AUDIT_ARCHIVE_DIR ?? join(dataDir, 'audit-archive')),
      archiveS3: env.KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT
        ? {
            kind: 's3',
            endpoint: env.KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT,
            bucket: env.KASTELL_AUDIT_ARCHIVE_S3_BUCKET!,
            accessKey: env.KASTELL_AUDIT_ARCHIVE_S3_ACCESS_KEY!,
            secretKey: env.KASTELL_AUDIT_ARCHIVE_S3_SECRET_KEY!,
            region: env.KASTELL_AUDIT_ARCHIVE_S3_REGION,
          }
        : undefined,
      chainIntervalMs: env.KASTELL_AUDIT_CHAIN_INTERVAL_MS,
      unchainedBoundSeconds: env.KASTELL_AUDIT_UNCHAINED_BOUND_SECONDS,
      checkpointSeconds: env.KASTELL_AUDIT_CHECKPOINT_SECONDS,
    },
    reports: {
      sealKeyPem: env.KASTELL_REPORT_SEAL_KEY,
      sealCertificatePem: env.KASTELL_REPORT_SEAL_CERT,
      keysDir: join(dataDir, 'keys'),
    },
    jobs: env.KASTELL_JOBS === 'on',
    retention: parseRetention(env.KASTELL_RETENTION).policy,
    retentionSchedule: env.KASTELL_RETENTION_SCHEDULE === 'on',
    trust: {
      evidenceDir: resolve(env.KASTELL_EVIDENCE_DIR),
      releaseDir: resolve(env.KASTELL_RELEASE_DIR),
      releasePublicKey: env.KASTELL_RELEASE_PUBLIC_KEY === undefined ? undefined : resolve(env.KASTELL_RELEASE_PUBLIC_KEY),
      backupMaxAgeHours: env.KASTELL_BACKUP_MAX_AGE_HOURS,
      securityContacts: env.KASTELL_SECURITY_CONTACT ?? [derivedSecurityContact(env.KASTELL_PUBLIC_URL)].filter((c): c is string => c !== undefined),
      cacheSeconds: env.KASTELL_TRUST_CACHE_SECONDS,
    },
    documents: {
      maxBytes: uploadLimits(env.KASTELL_UPLOAD_MAX_MIB, env.KASTELL_UPLOAD_LIMITS_MIB),
      maxPixels: env.KASTELL_IMAGE_MAX_PIXELS,
      clamdSocket: env.KASTELL_CLAMD_SOCKET,
      clamdTimeoutMs: env.KASTELL_CLAMD_TIMEOUT_MS,
      quarantineDir: resolve(env.KASTELL_QUARANTINE_DIR ?? join(dataDir, 'quarantine')),
      shareLinkMaxDays: env.KASTELL_SHARE_LINK_MAX_DAYS,
      shareLinkDays: Math.min(env.KASTELL_SHARE_LINK_DAYS, env.KASTELL_SHARE_LINK_MAX_DAYS),
      downloadAlert: downloadAlert(env.KASTELL_DOWNLOAD_ALERT),
    },
  };
}
