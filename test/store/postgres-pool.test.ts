/**
 * postgresStore's options, statements and timers against a fake pool (no
 * server): each query is recorded and answered by the test, so the statement
 * names, the identifiers refused, the deadline handling and the background
 * sweep can each be seen alone. postgres.test.ts runs the same store against
 * a real PostgreSQL.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  isSessionError,
  type PgPoolLike,
  type PgQuery,
  type PostgresStoreOptions,
  postgresStore,
} from "../../src/index.ts";
import { LATE_SQLSTATE, statements } from "../../src/store/postgres-sql.ts";

type Answer = (query: PgQuery) => { rows: unknown[]; rowCount?: number } | Promise<{ rows: unknown[] }>;

/** A pool whose answers the test sets by the kind of statement (the first word of its name, or the text). */
function fakePool(answer: Answer = () => ({ rows: [] })) {
  const queries: PgQuery[] = [];
  const pool: PgPoolLike & { queries: PgQuery[] } = {
    queries,
    async query(query) {
      queries.push(query);
      if (query.text.includes("extract(epoch FROM clock_timestamp())")) return { rows: [{ now: 1_700_000_000_000 }] };
      return answer(query);
    },
    connect: async () => {
      throw new Error("not used");
    },
    end: async () => {},
  };
  return pool;
}

const kind = (query: PgQuery) => /^sealed_session_([a-z_]+)_[0-9a-f]{8}$/.exec(query.name ?? "")?.[1];
const soon = () => ({ deadline: Date.now() + 2000 });
const record = { id: "s1", createdAt: 1_700_000_000_123, data: { a: 1 } };
const configFails = (options: unknown, message: string) =>
  expect(() => postgresStore(options as PostgresStoreOptions)).toThrow(
    expect.objectContaining({ code: "ERR_CONFIG", message: `sealed-session: ${message}` }),
  );

afterEach(() => {
  vi.useRealTimers();
});

describe("postgresStore options", () => {
  it("takes exactly one of pool and connectionString, the latter as a string", () => {
    const pool = fakePool();
    configFails({}, "postgresStore needs exactly one of pool or connectionString");
    configFails(
      { pool, connectionString: "postgres://127.0.0.1/x" },
      "postgresStore needs exactly one of pool or connectionString",
    );
    configFails({ connectionString: 5432 }, "postgresStore connectionString must be a string");
    expect(postgresStore({ pool, sweepInterval: 0 }).name).toBe("postgres");
  });

  it("takes sweepInterval as whole ms from 0, and prepare as a boolean", () => {
    const pool = fakePool();
    for (const sweepInterval of [-1, 0.5, Number.NaN, "1000"]) {
      configFails({ pool, sweepInterval }, "postgresStore sweepInterval must be whole ms");
    }
    for (const prepare of ["yes", 1, 0]) {
      configFails({ pool, sweepInterval: 0, prepare }, "postgresStore prepare must be true or false");
    }
  });

  it("takes table and schema only as plain identifiers of 1 to 48 characters", () => {
    const pool = fakePool();
    const refused = "must be a plain identifier of 1 to 48 letters, digits and _";
    for (const table of ["", "1sessions", "web-sessions", 'a"b', "a b", "a".repeat(49), "sessions\n", 7]) {
      configFails({ pool, table }, `postgresStore table ${refused}`);
    }
    for (const schema of ["", "9x", "my.schema", "b".repeat(49), 7, null]) {
      configFails({ pool, schema }, `postgresStore schema ${refused}`);
    }
    const long = `_${"Az9".repeat(15)}xy`;
    expect(long).toHaveLength(48);
    expect(postgresStore({ pool, table: long, schema: "S_1", sweepInterval: 0 }).table).toBe(`"S_1"."${long}"`);
    expect(postgresStore({ pool, table: "t", sweepInterval: 0 }).table).toBe('"t"');
    expect(postgresStore({ pool, sweepInterval: 0 }).table).toBe('"sealed_sessions"');
  });
});

describe("postgresStore statements", () => {
  it("prepares each statement under a name of its own: its kind and a hash of its text", () => {
    const sql = statements("sessions", "app");
    const prepared = [sql.get, sql.create, sql.update, sql.delete, sql.list, sql.sweep, sql.inTime, sql.now];
    const names = prepared.map((statement) => statement.name);
    expect(new Set(names).size).toBe(prepared.length);
    expect(names.map((name) => name.replace(/_[0-9a-f]{8}$/, ""))).toEqual([
      "sealed_session_get",
      "sealed_session_create",
      "sealed_session_update",
      "sealed_session_delete",
      "sealed_session_list",
      "sealed_session_sweep",
      "sealed_session_in_time",
      "sealed_session_now",
    ]);
    for (const name of names) expect(name).toMatch(/_[0-9a-f]{8}$/);
    // The same statement for another table has another name: two stores can share a pool's connections.
    const other = statements("sessions", "other");
    expect(other.get.name).not.toBe(sql.get.name);
    expect(statements("sessions", "app").get.name).toBe(sql.get.name);
    // Texts that differ in one character, or only in the order of two, hash apart.
    const of = (table: string) => statements(table).get.name.slice(-8);
    expect(new Set([of("ab"), of("ba"), of("aa"), of("abc")]).size).toBe(4);
  });

  it("hashes the text with 32-bit FNV-1a (a name that is the same on every process and version of Node)", () => {
    // The hash of the "now" statement, whose text names no table: fixed once and for all.
    expect(statements("t").now.name).toBe(`sealed_session_now_${fnv1a(statements("t").now.text)}`);
    expect(fnv1a("")).toBe("811c9dc5");
    expect(fnv1a("a")).toBe("e40c292c");
    expect(fnv1a("foobar")).toBe("bf9cf968");
  });

  it("creates the schema in migrate only when one was given", () => {
    expect(statements("t", "s").migrate[0]).toBe('CREATE SCHEMA IF NOT EXISTS "s"');
    expect(statements("t").migrate).toHaveLength(3);
    expect(statements("t").migrate.join("\n")).not.toContain("SCHEMA");
  });
});

/** The reference FNV-1a (32 bits) the names must match, written apart from the store's. */
function fnv1a(text: string): string {
  let hash = 2166136261;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Number((BigInt(hash ^ byte) * 16777619n) % 4294967296n);
    if (hash < 0) hash += 4294967296;
  }
  return hash.toString(16).padStart(8, "0");
}

describe("postgresStore queries, on a fake pool", () => {
  it("runs named statements, or unnamed ones with prepare: false", async () => {
    for (const prepare of [true, false]) {
      const pool = fakePool();
      const store = postgresStore({ pool, prepare, sweepInterval: 0 });
      expect(await store.get("s1")).toBeUndefined();
      const [query] = pool.queries;
      expect(query?.values).toEqual(["s1"]);
      expect(query?.query_timeout).toBe(2000);
      if (prepare) expect(kind(query as PgQuery)).toBe("get");
      else expect(query).not.toHaveProperty("name");
    }
  });

  it("uses the pool's query_timeout for reads", async () => {
    const pool = fakePool();
    await postgresStore({ pool, sweepInterval: 0 }).listByUser("ada");
    expect(pool.queries[0]?.query_timeout).toBe(2000);
  });

  it("sends nothing for a write whose deadline has passed", async () => {
    const pool = fakePool();
    const store = postgresStore({ pool, sweepInterval: 0 });
    for (const write of [
      () => store.create(record, 60, { deadline: Date.now() }),
      () => store.update("s1", { set: {}, unset: [] }, 60, { deadline: Date.now() - 1 }),
      () => store.delete("s1", { deadline: Date.now() }),
    ]) {
      await expect(write()).rejects.toSatisfy(
        (e) => isSessionError(e, "ERR_STORE_UNAVAILABLE") && /after its deadline/.test((e as Error).message),
      );
    }
    expect(pool.queries).toEqual([]);
  });

  it("gives a write the time left as its client timeout, and its deadline in the server's clock last", async () => {
    const pool = fakePool(() => ({ rows: [{ written: 1, in_time: true }] }));
    const store = postgresStore({ pool, sweepInterval: 0 });
    const { deadline } = soon();
    expect(await store.create(record, 60, { deadline })).toBe(true);
    const create = pool.queries.find((query) => kind(query) === "create") as PgQuery;
    expect(create.query_timeout).toBeGreaterThan(1500);
    expect(create.query_timeout).toBeLessThanOrEqual(2000);
    expect(Number.isInteger(create.query_timeout)).toBe(true);
    const serverDeadline = create.values?.at(-1) as number;
    expect(serverDeadline).toBeLessThanOrEqual(1_700_000_000_000 + 2000 - 5);
    expect(serverDeadline).toBeGreaterThan(1_700_000_000_000 + 1500);
  });

  it("tells the late-write SQLSTATE from other failures, and names a missing table", async () => {
    let failure: unknown;
    const pool = fakePool(() => {
      throw failure;
    });
    const store = postgresStore({ pool, schema: "app", sweepInterval: 0 });
    failure = Object.assign(new Error("division by zero"), { code: LATE_SQLSTATE });
    expect(LATE_SQLSTATE).toBe("22012");
    await expect(store.create(record, 60, soon())).rejects.toThrow(
      /refused the create that arrived after its deadline/,
    );
    failure = Object.assign(new Error("deadlock detected"), { code: "40P01" });
    const error = (await store.delete("s1", soon()).catch((e: unknown) => e)) as Error & { cause?: unknown };
    expect(isSessionError(error, "ERR_STORE_UNAVAILABLE")).toBe(true);
    expect(error.message).toBe("session store failed on delete");
    expect(error.cause).toBe(failure);
    failure = Object.assign(new Error('relation "app.sealed_sessions" does not exist'), { code: "42P01" });
    await expect(store.get("s1")).rejects.toThrow(
      'session store table "app"."sealed_sessions" does not exist: run await store.migrate() or npx sealed-session migrate postgres',
    );
    await expect(store.listByUser("ada")).rejects.toThrow("does not exist");
  });

  it("after an update that matched no row, asks the clock whether it was still in time", async () => {
    let inTime = true;
    const pool = fakePool((query) => (kind(query) === "in_time" ? { rows: [{ in_time: inTime }] } : { rows: [] }));
    const store = postgresStore({ pool, sweepInterval: 0 });
    expect(await store.update("s1", { set: { a: 2 }, unset: [] }, 60, soon())).toBeUndefined();
    const update = pool.queries.find((query) => kind(query) === "update") as PgQuery;
    const check = pool.queries.find((query) => kind(query) === "in_time") as PgQuery;
    expect(check.values).toEqual([update.values?.at(-1)]);
    expect(check.query_timeout).toBeGreaterThan(1500);
    expect(check.query_timeout).toBeLessThanOrEqual(2000);
    inTime = false;
    await expect(store.update("s1", { set: { a: 2 }, unset: [] }, 60, soon())).rejects.toThrow(/after its deadline/);
  });

  it("names the operation in each refusal and failure", async () => {
    let row: Record<string, unknown> | undefined;
    let fail = false;
    const pool = fakePool((query) => {
      if (fail) throw new Error("connection terminated");
      if (kind(query) === "in_time") return { rows: [{ in_time: false }] };
      return { rows: row ? [row] : [] };
    });
    const store = postgresStore({ pool, sweepInterval: 0 });
    const late = (what: string) => `session store refused the ${what} that arrived after its deadline`;
    row = { written: 0, in_time: false };
    await expect(store.create(record, 60, soon())).rejects.toThrow(late("create"));
    row = undefined;
    await expect(store.update("s1", { set: {}, unset: [] }, 60, soon())).rejects.toThrow(late("update"));
    row = { deleted: 0, in_time: false };
    await expect(store.delete("s1", soon())).rejects.toThrow(late("delete"));
    fail = true;
    for (const [what, call] of [
      ["get", () => store.get("s1")],
      ["listByUser", () => store.listByUser("ada")],
      ["create", () => store.create(record, 60, soon())],
      ["update", () => store.update("s1", { set: {}, unset: [] }, 60, soon())],
    ] as const) {
      await expect(call()).rejects.toThrow(`session store failed on ${what}`);
    }
  });

  it("reads create's and delete's in_time when nothing was written", async () => {
    let row: Record<string, unknown> = {};
    const pool = fakePool(() => ({ rows: [row] }));
    const store = postgresStore({ pool, sweepInterval: 0 });
    row = { written: 0, in_time: true };
    expect(await store.create(record, 60, soon())).toBe(false);
    row = { written: 0, in_time: false };
    await expect(store.create(record, 60, soon())).rejects.toThrow(/after its deadline/);
    row = { deleted: 0, in_time: true };
    expect(await store.delete("s1", soon())).toBe(false);
    row = { deleted: 0, in_time: false };
    await expect(store.delete("s1", soon())).rejects.toThrow(/after its deadline/);
    row = { deleted: 1, in_time: false };
    expect(await store.delete("s1", soon())).toBe(true);
  });
});

describe("postgresStore's background sweep", () => {
  const sweeps = (pool: { queries: PgQuery[] }) => pool.queries.filter((query) => query.text.startsWith("DELETE"));

  it("deletes expired rows every sweepInterval ms, in batches of 500, at most 20 per tick", async () => {
    vi.useFakeTimers();
    let left = 12_345;
    const pool = fakePool(() => {
      const rowCount = Math.min(500, left);
      left -= rowCount;
      return { rows: [], rowCount };
    });
    const store = postgresStore({ pool, sweepInterval: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(sweeps(pool)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    // 20 full batches in the first tick; the next tick ends at the first short one.
    expect(sweeps(pool)).toHaveLength(20);
    expect(sweeps(pool).every((query) => query.values?.[0] === 500 && query.name === undefined)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sweeps(pool)).toHaveLength(25);
    expect(left).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sweeps(pool)).toHaveLength(26);
    await store.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(sweeps(pool)).toHaveLength(26);
  });

  it("resolves how many rows sweep() deleted, sharing one run between callers", async () => {
    const counts = [500, 500, 7];
    const pool = fakePool(() => ({ rows: [], rowCount: counts.shift() ?? 0 }));
    const store = postgresStore({ pool, sweepInterval: 0 });
    const [a, b] = await Promise.all([store.sweep(), store.sweep()]);
    expect([a, b]).toEqual([1007, 1007]);
    expect(sweeps(pool)).toHaveLength(3);
    // A pool that gives no rowCount counts as none deleted.
    expect(await store.sweep()).toBe(0);
    expect(sweeps(pool)).toHaveLength(4);
  });

  it("starts no timer with sweepInterval 0, and keeps going after a failed sweep", async () => {
    vi.useFakeTimers();
    const idle = fakePool();
    postgresStore({ pool: idle, sweepInterval: 0 });
    expect(vi.getTimerCount()).toBe(0);
    let fail = true;
    const pool = fakePool(() => {
      if (fail) throw new Error("connection terminated");
      return { rows: [], rowCount: 3 };
    });
    const store = postgresStore({ pool, sweepInterval: 100 });
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    fail = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(sweeps(pool)).toHaveLength(2);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not keep the process alive: its timer is unref'd", () => {
    const unref = vi.fn();
    const setIntervalSpy = vi
      .spyOn(globalThis, "setInterval")
      .mockImplementation(() => ({ unref }) as unknown as ReturnType<typeof setInterval>);
    try {
      postgresStore({ pool: fakePool(), sweepInterval: 60_000 });
      expect(setIntervalSpy).toHaveBeenCalledWith(expect.any(Function), 60_000);
      expect(unref).toHaveBeenCalledTimes(1);
    } finally {
      setIntervalSpy.mockRestore();
    }
  });

  it("sweeps every 60 s by default", async () => {
    vi.useFakeTimers();
    const pool = fakePool(() => ({ rows: [], rowCount: 0 }));
    const store = postgresStore({ pool });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(sweeps(pool)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sweeps(pool)).toHaveLength(1);
    await store.close();
  });
});

describe("postgresStore migrate, on a fake pool", () => {
  function migratingPool(failOn?: string, rollbackFails = false) {
    const texts: string[] = [];
    const locks: unknown[] = [];
    const released: unknown[] = [];
    const client = {
      async query(query: PgQuery) {
        texts.push(query.text.split(/\s/, 1)[0] as string);
        if (query.text.includes("pg_advisory_xact_lock")) locks.push(query.values);
        if (failOn !== undefined && query.text.startsWith(failOn)) throw new Error(`${failOn} failed`);
        if (rollbackFails && query.text === "ROLLBACK") throw new Error("connection gone");
        return { rows: [] };
      },
      release(error?: Error | boolean) {
        released.push(error);
      },
    };
    const pool = { ...fakePool(), connect: async () => client };
    return { pool, texts, locks, released };
  }

  it("creates the table in one transaction on one connection, under a lock named after the table", async () => {
    const { pool, texts, locks, released } = migratingPool();
    await postgresStore({ pool, schema: "app", sweepInterval: 0 }).migrate();
    expect(texts).toEqual(["BEGIN", "SELECT", "CREATE", "CREATE", "CREATE", "CREATE", "COMMIT"]);
    expect(locks).toEqual([['sealed-session "app"."sealed_sessions"']]);
    expect(released).toEqual([undefined]);
  });

  it("rolls back and drops the connection when a statement fails, even if the rollback fails too", async () => {
    for (const rollbackFails of [false, true]) {
      const { pool, texts, released } = migratingPool("CREATE TABLE", rollbackFails);
      const error = (await postgresStore({ pool, sweepInterval: 0 })
        .migrate()
        .catch((e: unknown) => e)) as Error & { cause?: Error };
      expect(isSessionError(error, "ERR_STORE_UNAVAILABLE")).toBe(true);
      expect(error.message).toBe("session store failed on migrate");
      expect(error.cause?.message).toBe("CREATE TABLE failed");
      expect(texts).toEqual(["BEGIN", "SELECT", "CREATE", "ROLLBACK"]);
      expect(released).toEqual([true]);
    }
  });

  it("closes only a pool it created, once, and never the one it was given", async () => {
    let ended = 0;
    const pool = { ...fakePool(), end: async () => void ended++ };
    const store = postgresStore({ pool, sweepInterval: 0 });
    await store.get("s1");
    await store.close();
    expect(ended).toBe(0);
    // Created on first use only: closing an unused store opens nothing.
    const unused = postgresStore({ connectionString: "postgres://127.0.0.1:1/none", sweepInterval: 0 });
    await expect(unused.close()).resolves.toBeUndefined();
  });
});
