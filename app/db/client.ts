// The postgres.js instance and withPrincipal(): the one way feature code
// reaches tables. Identity is set transaction-locally, so nothing leaks
// across pooled connections.
import postgres from 'postgres';

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
  close(): Promise<void>;
}

export function connectDatabase(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: 'kastell', search_path: 'kastell' },
  });
  const database = {
    sql,
    async withPrincipal<T>(principal: Principal | null, work: (tx: Tx) => Promise<T>): Promise<T> {
      const result = await sql.begin(async (tx) => {
        await assumePrincipal(tx, principal);
        return work(tx);
      });
      return result as T;
    },
    close: () => sql.end({ timeout: 5 }),
  };
  Object.defineProperty(database, 'url', { value: url, enumerable: false });
  return database as Database;
}

/** Sets the transaction's identity; also used once a sign-up flow has just created its user. */
export async function assumePrincipal(tx: Tx, principal: Principal | null): Promise<void> {
  await tx`select set_config('kastell.user_id', ${principal?.userId ?? ''}, true)`;
}
