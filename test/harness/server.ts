// A real Kastell server on 127.0.0.1 for a test database, and a small HTTP
// client that keeps cookies and speaks like a browser (Origin, CSRF field).
import { parseConfig } from '../../app/config.ts';
import { createLogger, type Logger } from '../../app/log.ts';
import { startServer, type RunningServer } from '../../app/server.ts';
import { freePort } from './postgres.ts';
import { testDataDir, type TestDatabase } from './database.ts';
import { testEventKeyPem, testSecretKey, testSecretKeyId } from './seed.ts';

/** `log`: a logger of the test's own, to read the log events the server writes (else silent, or KASTELL_TEST_LOG). */
export async function startTestServer(database: TestDatabase, env: Record<string, string> = {}, log?: Logger): Promise<RunningServer & { client: () => TestClient }> {
  const port = await freePort();
  const config = parseConfig({
    KASTELL_DATABASE_URL: database.appUrl,
    KASTELL_HTTP_PORT: String(port),
    KASTELL_DATA_DIR: testDataDir(database.name),
    KASTELL_SECRET_KEY: testSecretKey.toString('base64'),
    KASTELL_SECRET_KEY_ID: testSecretKeyId,
    KASTELL_AUDIT_EVENT_KEY: testEventKeyPem,
    KASTELL_HIBP_URL: 'off', // tests that check breached passwords start a local stand-in
    KASTELL_JOBS: 'off',
    // the lockout tests fire many sign-ins from 127.0.0.1; the request limit has its own test
    KASTELL_RATE_LIMIT_PER_MINUTE: '1000000',
    KASTELL_ACCOUNT_RATE_LIMIT_PER_MINUTE: '1000000',
    KASTELL_USER_WRITES_PER_MINUTE: '0',
    KASTELL_USER_API_PER_MINUTE: '0',
    // …and fail on purpose: the bot challenge stays out of their way (test/identity/bot-challenge*.test.ts set their thresholds)
    KASTELL_CHALLENGE_AFTER_FAILURES: '1000',
    KASTELL_CHALLENGE_AFTER_ENDPOINT_FAILURES: '1000000',
    ...env,
  });
  const server = await startServer(config, log ?? createLogger({ level: process.env.KASTELL_TEST_LOG ?? 'silent' }));
  database.beforeDrop(() => server.close());
  return { ...server, client: () => new TestClient(server.url) };
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json: <T = any>() => T;
}

export class TestClient {
  readonly cookies = new Map<string, string>();

  /** timeoutMs: each request (answer and body) is abandoned after it, so a client cannot hang on a server that never answers */
  constructor(readonly baseUrl: string, readonly options: { timeoutMs?: number } = {}) {}

  withSession(token: string): this {
    this.cookies.set('__Host-kastell-session', token);
    return this;
  }

  async request(method: string, path: string, options: {
    json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; origin?: string | null; csrf?: boolean;
  } = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      if (options.csrf !== false && !this.cookies.has('__Host-kastell-csrf')) await this.request('GET', '/sign-in');
      const fields = { ...(options.csrf === false ? {} : { _csrf: this.cookies.get('__Host-kastell-csrf') ?? '' }), ...options.form };
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(fields).toString();
    }
    if (method !== 'GET' && method !== 'HEAD' && options.origin !== null) headers.origin ??= options.origin ?? new URL(this.baseUrl).origin;
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const signal = this.options.timeoutMs ? AbortSignal.timeout(this.options.timeoutMs) : undefined;
    const response = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual', ...(signal ? { signal } : {}) });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      const expired = attributes.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  }

  get(path: string) { return this.request('GET', path); }
  postJson(path: string, json: unknown) { return this.request('POST', path, { json }); }
  postForm(path: string, form: Record<string, string>) { return this.request('POST', path, { form }); }
}
