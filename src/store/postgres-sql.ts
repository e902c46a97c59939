import { configError } from "../errors.ts";

/*
 * The statements of the PostgreSQL store, for one table. Every write is one
 * statement (autocommit: its commit follows in the same backend, with no
 * round trip in between) and carries its deadline as a timestamp in the
 * server's clock. The deadline is checked twice:
 * - in the statement's WHERE, so a statement that reached the server late
 *   (a frozen server, a slow network) touches nothing; and
 * - in RETURNING, evaluated after the row was written: a statement that
 *   started in time but then waited (a row lock held by a parallel update of
 *   the same session, a stall) divides by zero once the deadline has passed,
 *   which aborts it and rolls its write back (SQLSTATE 22012 = refused).
 * `clock_timestamp()` is the real time at each evaluation, unlike `now()`,
 * which is fixed at the start of the transaction. An update that matches no
 * row cannot say in the same statement whether the row was missing or the
 * clock late; only then a second, rare statement asks the clock (`inTime`).
 *
 * The statements run prepared (see {@link PreparedStatement}): a request
 * costs its round trips and execution, not a parse and a plan each.
 *
 * Expiry (`expires`) uses `now()`; a record without expiry expires at
 * 'infinity', so `expires > now()` is the one liveness test and the expiry
 * index covers every sweep.
 */

/** The SQLSTATE raised by the deadline check in RETURNING (division by zero). */
export const LATE_SQLSTATE = "22012";

/** Table and schema names: plain identifiers, quoted anyway, short enough for the index names derived from them. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/**
 * A statement run on every request, with the name it is prepared under. A
 * named statement is parsed and planned once per connection (node-postgres
 * remembers which connections have it), not once per request: the plan of the
 * write statements costs the server more than running them.
 */
export interface PreparedStatement {
  /** Unique per text (a hash of it), so two stores on one pool with different tables never clash. */
  readonly name: string;
  readonly text: string;
}

/** The statements for `table` (in `schema`, or on the search path). */
export interface PostgresStatements {
  readonly table: string;
  readonly migrate: readonly string[];
  readonly get: PreparedStatement;
  readonly create: PreparedStatement;
  readonly update: PreparedStatement;
  readonly delete: PreparedStatement;
  readonly list: PreparedStatement;
  readonly sweep: PreparedStatement;
  readonly inTime: PreparedStatement;
  readonly now: PreparedStatement;
}

/** FNV-1a of `text`, 32 bits, as hex: enough to tell a handful of statement texts apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function prepared(kind: string, text: string): PreparedStatement {
  return { name: `sealed_session_${kind}_${fnv1a(text)}`, text };
}

/** The table name as SQL (quoted, schema-qualified when a schema is given). */
export function qualifiedName(table: string, schema: string | undefined): string {
  for (const [what, name] of [
    ["table", table],
    ["schema", schema],
  ] as const) {
    if (name !== undefined && (typeof name !== "string" || !IDENTIFIER.test(name))) {
      configError(`postgresStore ${what} must be a plain identifier of 1 to 48 letters, digits and _`);
    }
  }
  return schema === undefined ? `"${table}"` : `"${schema}"."${table}"`;
}

const deadline = (n: number) => `to_timestamp($${n}::float8 / 1000)`;
/** The write's check after the row is written: aborts the statement when it is late. */
const inTime = (n: number) => `1 / (clock_timestamp() <= ${deadline(n)})::int`;
const expires = (n: number) =>
  `CASE WHEN $${n}::int > 0 THEN now() + $${n}::int * interval '1 second' ELSE 'infinity' END`;
/** createdAt in ms, exact: `created` holds microseconds. */
const createdMs = "round(extract(epoch FROM created) * 1000)::float8";

export function statements(table: string, schema?: string): PostgresStatements {
  const t = qualifiedName(table, schema);
  const index = (suffix: string) => `"${table}_${suffix}"`;
  const columns = `data::text AS data, user_id, ${createdMs} AS created`;
  return {
    table: t,
    migrate: [
      schema === undefined ? "" : `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
      `CREATE TABLE IF NOT EXISTS ${t} (
  id text PRIMARY KEY,
  data jsonb NOT NULL,
  user_id text,
  created timestamptz NOT NULL,
  expires timestamptz NOT NULL DEFAULT 'infinity'
)`,
      `CREATE INDEX IF NOT EXISTS ${index("user_idx")} ON ${t} (user_id) WHERE user_id IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${index("expires_idx")} ON ${t} (expires)`,
    ].filter(Boolean),
    get: prepared("get", `SELECT ${columns} FROM ${t} WHERE id = $1 AND expires > now()`),
    // $1 id, $2 data, $3 user, $4 createdAt (ms), $5 ttl (s, 0 = none), $6 deadline (ms, server clock).
    // An expired row not yet swept is replaced; a live one is left alone.
    create: prepared(
      "create",
      `WITH w AS (
  INSERT INTO ${t} AS t (id, data, user_id, created, expires)
  SELECT $1, $2::jsonb, $3, to_timestamp($4::float8 / 1000), ${expires(5)}
  WHERE clock_timestamp() <= ${deadline(6)}
  ON CONFLICT (id) DO UPDATE SET data = excluded.data, user_id = excluded.user_id,
    created = excluded.created, expires = excluded.expires
  WHERE t.expires <= now()
  RETURNING ${inTime(6)} AS ok
)
SELECT (SELECT count(*) FROM w)::int AS written, clock_timestamp() <= ${deadline(6)} AS in_time`,
    ),
    // $1 id, $2 keys to set (a jsonb object), $3 keys to remove, $4 owner change ('=' keep, '+' set, '-' remove),
    // $5 owner, $6 ttl, $7 deadline. Row locks serialize parallel updates of one session, and each
    // merges into the version the previous one committed (READ COMMITTED re-reads the row). No row
    // back: the session is gone, or the statement started late; `inTime` tells which.
    update: prepared(
      "update",
      `UPDATE ${t} SET data = (data - $3::text[]) || $2::jsonb,
  user_id = CASE $4::text WHEN '=' THEN user_id WHEN '+' THEN $5 ELSE NULL END,
  expires = ${expires(6)}
WHERE id = $1 AND expires > now() AND clock_timestamp() <= ${deadline(7)}
RETURNING ${columns}, ${inTime(7)} AS ok`,
    ),
    // $1 id, $2 deadline. An expired row goes too, but counts as absent.
    delete: prepared(
      "delete",
      `WITH w AS (
  DELETE FROM ${t} WHERE id = $1 AND clock_timestamp() <= ${deadline(2)}
  RETURNING expires > now() AS live, ${inTime(2)} AS ok
)
SELECT (SELECT count(*) FROM w WHERE live)::int AS deleted, clock_timestamp() <= ${deadline(2)} AS in_time`,
    ),
    list: prepared("list", `SELECT id FROM ${t} WHERE user_id = $1 AND expires > now() ORDER BY created, id`),
    // $1 batch size. SKIP LOCKED: rows a request is writing are left for the next batch.
    sweep: prepared(
      "sweep",
      `DELETE FROM ${t} WHERE id IN (
  SELECT id FROM ${t} WHERE expires <= now() ORDER BY expires LIMIT $1 FOR UPDATE SKIP LOCKED
)`,
    ),
    // $1 deadline (ms, server clock).
    inTime: prepared("in_time", `SELECT clock_timestamp() <= ${deadline(1)} AS in_time`),
    now: prepared("now", "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now"),
  };
}
