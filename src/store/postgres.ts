import { configError } from "../errors.ts";
import { lateWrite } from "./call.ts";
import { patchFields, toFields } from "./fields.ts";
import {
  createPgPool,
  DEFAULT_POSTGRES_POOL_OPTIONS,
  type PgPoolLike,
  type PgPoolOptions,
  sqlState,
  storeFailure,
} from "./postgres-client.ts";
import { fromRow, jsonObject, type Row } from "./postgres-row.ts";
import { LATE_SQLSTATE, type PostgresStatements, type PreparedStatement, statements } from "./postgres-sql.ts";
import { assertStoreId, assertStoreUser, wholeSeconds } from "./record.ts";
import { ServerClock } from "./server-clock.ts";
import type { SessionStore } from "./types.ts";

/**
 * Default table of {@link postgresStore}.
 *
 * @example
 * await pool.query(`SELECT count(*) FROM ${DEFAULT_POSTGRES_TABLE} WHERE expires > now()`);
 */
export const DEFAULT_POSTGRES_TABLE = "sealed_sessions";

/** Rows deleted per statement by the sweep: small batches never hold many row locks for long. */
const SWEEP_BATCH = 500;
/** Batches per sweep tick, so one tick is bounded work too. */
const SWEEP_BATCHES = 20;

/**
 * Options of {@link postgresStore}: a `pool` you own, or a `connectionString`
 * for a pool the store creates; exactly one of the two.
 *
 * @example
 * const options: PostgresStoreOptions = { connectionString: process.env.DATABASE_URL!, table: "web_sessions" };
 */
export interface PostgresStoreOptions {
  /** A node-postgres `Pool` (create it with {@link DEFAULT_POSTGRES_POOL_OPTIONS}). The store never ends it. */
  pool?: PgPoolLike;
  /** `postgres://…` URL; the store creates (and `close()` ends) a pool with {@link DEFAULT_POSTGRES_POOL_OPTIONS}. */
  connectionString?: string;
  /** Options over {@link DEFAULT_POSTGRES_POOL_OPTIONS} for the pool made from `connectionString`. */
  poolOptions?: PgPoolOptions;
  /** The table (a plain identifier). Default {@link DEFAULT_POSTGRES_TABLE}. */
  table?: string;
  /** Its schema; default: the connection's search path (usually `public`). */
  schema?: string;
  /** How often expired rows are deleted, in ms (`0`: never; call `sweep()` yourself). Default 60,000. */
  sweepInterval?: number;
  /**
   * Whether the store's statements are prepared once per connection (named
   * statements) rather than parsed and planned on every request. Default
   * `true`; set `false` behind a pooler that hands each statement to any
   * server connection without tracking prepared statements (PgBouncer in
   * transaction mode before 1.21, or with `max_prepared_statements = 0`).
   */
  prepare?: boolean;
}

/**
 * A {@link SessionStore} on PostgreSQL, with `migrate()`, `sweep()` and `close()`.
 *
 * @example
 * const store: PostgresStore = postgresStore({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate();
 * process.once("SIGTERM", () => void store.close());
 */
export interface PostgresStore extends SessionStore {
  listByUser(user: string): Promise<string[]>;
  /** The table, as SQL (quoted, with its schema when one was given). */
  readonly table: string;
  /** Creates the table and its indexes if they do not exist (never done implicitly). */
  migrate(): Promise<void>;
  /** Deletes expired rows now, in batches of 500 (the background sweep does it on its own); resolves how many. */
  sweep(): Promise<number>;
  /** Stops the sweep and ends the pool the store created from `connectionString` (a pool you passed stays open). */
  close(): Promise<void>;
}

/**
 * The store for apps that run PostgreSQL (9.5 or later) and no Redis, on
 * node-postgres (an optional peer dependency: `npm install pg`). One table:
 * `id` (primary key), `data` (jsonb, one key per top-level data key),
 * `user_id` (indexed), `created`, `expires` (indexed). Create it once with
 * `await store.migrate()` or `npx sealed-session migrate postgres --url …`;
 * the store never creates it at request time.
 *
 * Each write is one statement: creation only if absent (`INSERT … ON CONFLICT
 * DO NOTHING`-like), updates only if present and merged key by key into the
 * committed row (`data - removed || set`), so parallel requests that change
 * different keys all land and a session deleted by a logout is never brought
 * back by a slow request. Each write carries its deadline in the server's
 * clock and PostgreSQL refuses it once `clock_timestamp()` has passed it, even
 * after waiting for a row lock, so a write the request gave up on (503) never
 * lands later. Expired rows are invisible at once and deleted by an unref'd
 * timer in small batches. Values must be JSON PostgreSQL's jsonb can hold: a
 * string with the character U+0000 is refused (`ERR_SEAL_VALUE`).
 *
 * @example
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate(); // once, at deploy time
 * const config: SessionConfig = { password: process.env.SESSION_SECRET!, store, userId: (d) => d.user as string };
 * // or with a pool you manage (import pg from "pg"):
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, ...DEFAULT_POSTGRES_POOL_OPTIONS });
 * const shared = postgresStore({ pool });
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const { connectionString, poolOptions = {} } = options;
  if ((options.pool === undefined) === (connectionString === undefined))
    configError("postgresStore needs exactly one of pool or connectionString");
  if (connectionString !== undefined && typeof connectionString !== "string")
    configError("postgresStore connectionString must be a string");
  const sql: PostgresStatements = statements(options.table ?? DEFAULT_POSTGRES_TABLE, options.schema);
  const interval = options.sweepInterval ?? 60_000;
  if (!Number.isInteger(interval) || interval < 0) configError("postgresStore sweepInterval must be whole ms");
  const timeout = Number(poolOptions.query_timeout ?? DEFAULT_POSTGRES_POOL_OPTIONS.query_timeout);
  const prepare = options.prepare ?? true;
  if (typeof prepare !== "boolean") configError("postgresStore prepare must be true or false");

  let pool = options.pool;
  let creating: Promise<PgPoolLike> | undefined;
  let closed = false;
  let sweeping: Promise<number> | undefined;
  const clock = new ServerClock(async () => Number(((await query(sql.now, [])) as { now: number }[])[0]?.now));

  async function connection(): Promise<PgPoolLike> {
    if (pool) return pool;
    creating ??= createPgPool(connectionString as string, poolOptions).catch((error: unknown) => {
      creating = undefined;
      throw error;
    });
    pool = await creating;
    return pool;
  }

  async function query(statement: PreparedStatement, values: unknown[], queryTimeout = timeout): Promise<unknown[]> {
    const { text } = statement;
    const named = prepare ? { name: statement.name, text } : { text };
    return (await (await connection()).query({ ...named, values, query_timeout: queryTimeout })).rows;
  }

  /**
   * Runs a write with its deadline in the server's clock: refused (`lateWrite`)
   * once it has passed there. Resolves the statement's row, if any, and the
   * deadline as sent, for {@link inTime}.
   */
  async function write<R>(
    what: string,
    statement: PreparedStatement,
    values: unknown[],
    deadline: number,
  ): Promise<{ row: R | undefined; serverDeadline: number }> {
    // Already late: nothing is sent (the server would refuse it anyway).
    if (deadline <= Date.now()) throw lateWrite(what);
    try {
      const serverDeadline = await clock.toServer(deadline);
      // The client gives up when the request does; the server's own check decides what lands.
      const remaining = Math.max(1, Math.ceil(deadline - Date.now()));
      const [row] = (await query(statement, [...values, serverDeadline], remaining)) as R[];
      return { row, serverDeadline };
    } catch (error) {
      if (sqlState(error) === LATE_SQLSTATE) throw lateWrite(what);
      throw storeFailure(what, sql.table, error);
    }
  }

  /**
   * Whether the server's clock is still before `serverDeadline`: after an
   * update that matched no row, it tells "no such session" (in time: the
   * statement, earlier, was too) from "too late to look" (refused).
   */
  async function inTime(what: string, deadline: number, serverDeadline: number): Promise<boolean> {
    if (deadline <= Date.now()) return false;
    const remaining = Math.max(1, Math.ceil(deadline - Date.now()));
    try {
      const [row] = (await query(sql.inTime, [serverDeadline], remaining)) as { in_time: boolean }[];
      return row?.in_time === true;
    } catch (error) {
      throw storeFailure(what, sql.table, error);
    }
  }

  async function read<R>(what: string, statement: PreparedStatement, values: unknown[]): Promise<R[]> {
    try {
      return (await query(statement, values)) as R[];
    } catch (error) {
      throw storeFailure(what, sql.table, error);
    }
  }

  async function sweep(): Promise<number> {
    sweeping ??= (async () => {
      let removed = 0;
      try {
        for (let batch = 0; batch < SWEEP_BATCHES; batch++) {
          const result = await (await connection()).query({ text: sql.sweep.text, values: [SWEEP_BATCH] });
          const count = (result as { rowCount?: number | null }).rowCount ?? 0;
          removed += count;
          if (count < SWEEP_BATCH) break;
        }
        return removed;
      } finally {
        sweeping = undefined;
      }
    })();
    return sweeping;
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (interval > 0) {
    // An outage or a missing table only delays the sweep: expired rows are invisible anyway.
    timer = setInterval(() => void sweep().catch(() => {}), interval);
    timer.unref?.();
  }

  return {
    name: "postgres",
    table: sql.table,
    async get(id) {
      assertStoreId(id);
      const [row] = await read<Row>("get", sql.get, [id]);
      return row ? fromRow(id, row) : undefined;
    },
    async create(record, ttlSeconds, { deadline }) {
      const { id } = record;
      assertStoreId(id);
      const user = assertStoreUser(record.user) ?? null;
      const data = jsonObject(toFields(record.data));
      const values = [id, data, user, record.createdAt, wholeSeconds(ttlSeconds) ?? 0];
      const { row } = await write<{ written: number; in_time: boolean }>("create", sql.create, values, deadline);
      if (row?.written === 1) return true;
      if (!row?.in_time) throw lateWrite("create");
      return false;
    },
    async update(id, patch, ttlSeconds, { deadline }) {
      assertStoreId(id);
      const user = patch.user === null || patch.user === undefined ? undefined : assertStoreUser(patch.user);
      const change = patch.user === undefined ? "=" : user === undefined ? "-" : "+";
      const { set, unset } = patchFields(patch);
      const values = [id, jsonObject(set), unset, change, user ?? null, wholeSeconds(ttlSeconds) ?? 0];
      const { row, serverDeadline } = await write<Row>("update", sql.update, values, deadline);
      if (row) return fromRow(id, row);
      if (!(await inTime("update", deadline, serverDeadline))) throw lateWrite("update");
      return undefined;
    },
    async delete(id, { deadline }) {
      assertStoreId(id);
      const { row } = await write<{ deleted: number; in_time: boolean }>("delete", sql.delete, [id], deadline);
      if (row?.deleted === 1) return true;
      if (!row?.in_time) throw lateWrite("delete");
      return false;
    },
    async listByUser(user) {
      return (await read<{ id: string }>("listByUser", sql.list, [user])).map((row) => row.id);
    },
    async migrate() {
      const client = await (await connection()).connect();
      try {
        await client.query({ text: "BEGIN" });
        // Two processes migrating at once would otherwise race on the catalog (duplicate type errors).
        await client.query({
          text: "SELECT pg_advisory_xact_lock(hashtext($1))",
          values: [`sealed-session ${sql.table}`],
        });
        for (const text of sql.migrate) await client.query({ text });
        await client.query({ text: "COMMIT" });
        client.release();
      } catch (error) {
        await client.query({ text: "ROLLBACK" }).catch(() => {});
        client.release(true);
        throw storeFailure("migrate", sql.table, error);
      }
    },
    sweep,
    async close() {
      clearInterval(timer);
      if (closed || options.pool || !creating) return;
      closed = true;
      await (await creating).end();
    },
  };
}
