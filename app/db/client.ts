// The postgres.js instance and withPrincipal(): the one way feature code
// reaches tables. Identity is set transaction-locally, so nothing leaks
// across pooled connections.
import { AsyncLocalStorage } from 'node:async_hooks';
import postgres from 'postgres';
import { Bound, overloaded, type BoundLimits } from '../http/bound.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

/** Who a transaction runs for; null before sign-in (only the auth functions answer then). */
export interface Principal {
  userId: string;
}

export interface Database {
  sql: Sql;
  /** For worker threads that open their own connection to the same database; never log it (it holds the password). */
  readonly url: string;
  withPrincipal<T>(principal: Principal | null, work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * One transaction for `principal` that every `withPrincipal` for the same
   * principal inside `work` joins (as a savepoint), so all of it commits
   * together or not at all — a crash in between leaves nothing behind. Used
   * where bookkeeping must commit with the work it records (idempotency keys).
   */
  atomically<T>(principal: Principal, work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * `select 1` over a connection of its own (opened on first use), outside the
   * pool and its bound: /readyz answers at once even while every pooled
   * connection is busy and requests are being shed.
   */
  ping(): Promise<void>;
  /** the bound on transactions waiting for a connection, when one was set (its counts: tests and the bench) */
  readonly poolBound?: Bound;
}

/**
 * postgres.js 3.4 can schedule a write on a socket PostgreSQL has just closed
 * (porsager/postgres#1154): when the database is killed or restarts, its
 * `nextWrite` throws a TypeError from a setImmediate callback, which would
 * end the whole process (found by test/crash: Kastell died whenever
 * PostgreSQL did). That one error is harmless — the connection is gone and
 * the pool opens a new one — so it is logged and survived; every other
 * uncaught exception still ends the process as Node would.
 */
export function isClosedSocketWrite(error: unknown): boolean {
  return error instanceof TypeError && /reading 'write'/.test(error.message)
    && /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? '') && /nextWrite/.test(error.stack ?? '');
}

/** host:port of every database this process connects to (connectDatabase adds them). */
const databaseEndpoints = new Set<string>();

/**
 * A connection to one of Kastell's databases refused, reset or closed, in a
 * rejection nobody awaited (the crash test saw `connect ECONNREFUSED` to
 * PostgreSQL end Kastell while PostgreSQL restarted, on a slow CI machine
 * only). The work it belonged to failed in its transaction, so nothing is
 * half-written, and the pool connects again: the process must live on.
 * postgres.js's own connection errors carry its codes; a socket error counts
 * only when it names a database endpoint or carries postgres.js's frames,
 * so a lost mail or S3 connection still ends the process as Node would.
 */
function isDatabaseConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, address, port } = error as Error & { code?: unknown; address?: unknown; port?: unknown };
  if (code === 'CONNECTION_CLOSED' || code === 'CONNECTION_ENDED' || code === 'CONNECTION_DESTROYED' || code === 'CONNECT_TIMEOUT') return true;
  if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET' && code !== 'EPIPE' && code !== 'ETIMEDOUT') return false;
  // a failed connect names its address; a failed read or write does not, but postgres.js
  // raised it in its socket or appended the failed query's origin (frames in postgres/src)
  return address !== undefined
    ? databaseEndpoints.has(`${String(address)}:${String(port)}`)
    : /postgres[\\/]src[\\/]/.test(error.stack ?? '');
}

let survivingDatabaseConnectionLoss = false;
/** Installed by the server's process (app/main.ts), not by every connection: tests keep Node's own handling. */
export function surviveDatabaseConnectionLoss(): void {
  if (survivingDatabaseConnectionLoss) return;
  survivingDatabaseConnectionLoss = true;
  process.on('uncaughtException', (error, origin) => {
    if (isClosedSocketWrite(error)) {
      process.emitWarning(`database connection closed under a pending write (porsager/postgres#1154); reconnecting`, 'KastellDatabaseWarning');
      return;
    }
    if (origin === 'unhandledRejection' && isDatabaseConnectionLoss(error)) {
      // with the stack, so whoever left the promise unawaited can be found
      process.emitWarning(`database connection lost in work nobody awaited; reconnecting: ${error.stack ?? error.message}`, 'KastellDatabaseWarning');
      return;
    }
    console.error(origin === 'unhandledRejection' ? 'Unhandled rejection:' : 'Uncaught exception:', error);
    process.exit(1);
  });
}

/**
 * `wait`: the bound on transactions waiting for a pooled connection (README
 * "Limits under overload"): at most `max` run, at most `queue` wait and none
 * longer than `waitMs`; past it a transaction is refused with a 503 at once
 * instead of joining postgres.js's queue, which has no bound. Without it (the
 * CLI, workers) transactions queue as postgres.js queues them.
 */
export function connectDatabase(url: string, options: { max?: number; wait?: Omit<BoundLimits, 'slots'> } = {}): Database {
  const max = options.max ?? 10;
  const poolBound = options.wait
    ? new Bound({ slots: max, ...options.wait }, () => overloaded('The database is busy right now. Try again in a moment.'))
    : undefined;
  const bounded = <T>(work: () => Promise<T>): Promise<T> => (poolBound ? poolBound.run(work) : work());
  const endpoint = new URL(url);
  const port = endpoint.port || '5432';
  // a socket error names the address it dialled: localhost's too
  for (const host of endpoint.hostname === 'localhost' ? ['127.0.0.1', '::1'] : [endpoint.hostname.replace(/^\[|\]$/g, '')]) databaseEndpoints.add(`${host}:${port}`);
  const sql = postgres(url, {
    max,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: 'kastell', search_path: 'kastell' },
  });
  let probe: postgres.Sql | undefined;
  const ambient = new AsyncLocalStorage<{ tx: Tx; userId: string; open: boolean }>();
  const database = {
    sql,
    async withPrincipal<T>(principal: Principal | null, work: (tx: Tx) => Promise<T>): Promise<T> {
      const outer = ambient.getStore();
      if (outer?.open && principal && outer.userId === principal.userId) return (await outer.tx.savepoint((savepoint) => work(savepoint))) as T;
      const result = await bounded(() => sql.begin(async (tx) => {
        await assumePrincipal(tx, principal);
        return work(tx);
      }));
      return result as T;
    },
    async atomically<T>(principal: Principal, work: (tx: Tx) => Promise<T>): Promise<T> {
      const result = await bounded(() => sql.begin(async (tx) => {
        await assumePrincipal(tx, principal);
        // closed when the transaction ends: work the request left running (a
        // mail sent later) then opens a transaction of its own
        const scope = { tx, userId: principal.userId, open: true };
        try {
          return await ambient.run(scope, () => work(tx));
        } finally {
          scope.open = false;
        }
      }));
      return result as T;
    },
    async ping() {
      probe ??= postgres(url, { max: 1, idle_timeout: 30, connect_timeout: 5, onnotice: () => {}, connection: { application_name: 'kastell-probe' } });
      await probe`select 1`;
    },
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), probe?.end({ timeout: 1 })]);
    },
    poolBound,
  };
  Object.defineProperty(database, 'url', { value: url, enumerable: false });
  return database as Database;
}

/** Sets the transaction's identity; also used once a sign-up flow has just created its user. */
export async function assumePrincipal(tx: Tx, principal: Principal | null): Promise<void> {
  await tx`select set_config('kastell.user_id', ${principal?.userId ?? ''}, true)`;
}
