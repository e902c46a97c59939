import { SessionError } from "../errors.ts";
import { DEFAULT_STORE_TIMEOUT_MS } from "./call.ts";

/**
 * One query as node-postgres takes it: text, values and a client-side timeout.
 *
 * @example
 * const query: PgQuery = { text: "SELECT 1", values: [], query_timeout: 2000 };
 */
export interface PgQuery {
  /** Set for a statement node-postgres prepares once per connection and then runs by name. */
  name?: string;
  text: string;
  values?: unknown[];
  /** ms after which node-postgres gives up on the query (the pool then drops its connection). */
  query_timeout?: number;
}

/**
 * A connection checked out of a pool, for the statements that must run on one (migrations).
 *
 * @example
 * const client: PgPoolClientLike = await pool.connect();
 * client.release();
 */
export interface PgPoolClientLike {
  query(query: PgQuery): Promise<{ rows: unknown[] }>;
  release(error?: Error | boolean): void;
}

/**
 * The part of a node-postgres `Pool` the PostgreSQL store uses. A `pg.Pool`
 * fits it as is; the type is structural so that the package's types do not
 * require `pg` to be installed.
 *
 * @example
 * import pg from "pg";
 * const pool: PgPoolLike = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 */
export interface PgPoolLike {
  query(query: PgQuery): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgPoolClientLike>;
  end(): Promise<void>;
  on?(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * Options passed to `new pg.Pool(options)` for the pool `postgresStore({
 * connectionString })` creates; see node-postgres for the full list. They
 * apply over {@link DEFAULT_POSTGRES_POOL_OPTIONS}.
 *
 * @example
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL!, poolOptions: { max: 20 } });
 */
export interface PgPoolOptions {
  max?: number;
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  query_timeout?: number;
  statement_timeout?: number;
  [option: string]: unknown;
}

/**
 * The node-postgres options `postgresStore({ connectionString })` uses, and
 * the ones to give a pool you create yourself. A session store must fail
 * fast: waiting for a connection or a statement is bounded by the store
 * timeout (2 s), and the server cancels a statement that runs longer.
 *
 * @example
 * import pg from "pg";
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, ...DEFAULT_POSTGRES_POOL_OPTIONS });
 */
export const DEFAULT_POSTGRES_POOL_OPTIONS: Readonly<PgPoolOptions> = Object.freeze({
  connectionTimeoutMillis: DEFAULT_STORE_TIMEOUT_MS,
  query_timeout: DEFAULT_STORE_TIMEOUT_MS,
  statement_timeout: DEFAULT_STORE_TIMEOUT_MS,
});

const PG = "pg";

/** Creates a pool for `connectionString`, importing `pg` only now (it is an optional peer dependency). */
export async function createPgPool(connectionString: string, options: PgPoolOptions): Promise<PgPoolLike> {
  let Pool: typeof import("pg").Pool;
  try {
    // A variable, not a literal: bundlers (wrangler, Vite) must not pull the optional peer into apps that never use it.
    const module = (await import(/* @vite-ignore */ PG)) as typeof import("pg");
    Pool = module.default?.Pool ?? module.Pool;
  } catch (error) {
    throw new SessionError(
      "ERR_CONFIG",
      "sealed-session: postgresStore({ connectionString }) needs the pg package: npm install pg",
      { cause: error },
    );
  }
  const pool = new Pool({ ...DEFAULT_POSTGRES_POOL_OPTIONS, ...options, connectionString });
  // An idle connection the server drops emits "error" on the pool; without a
  // listener that would crash the process. The next query reports the outage.
  pool.on("error", () => {});
  return pool as unknown as PgPoolLike;
}

/** The SQLSTATE of a node-postgres error, if it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The error for a query that failed: a missing table says how to create it. */
export function storeFailure(what: string, table: string, error: unknown): SessionError {
  if (error instanceof SessionError) return error;
  const message =
    sqlState(error) === "42P01"
      ? `session store table ${table} does not exist: run await store.migrate() or npx sealed-session migrate postgres`
      : `session store failed on ${what}`;
  return new SessionError("ERR_STORE_UNAVAILABLE", message, { cause: error });
}
