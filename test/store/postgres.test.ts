/**
 * postgresStore against a real PostgreSQL (POSTGRES_URL), each run in a
 * schema of its own that is dropped afterwards.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSessionError, type PostgresStore, postgresStore, type StoredSession } from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { testStore } from "./conformance.ts";
import { dropSchema, postgresUrlOrSkip, uniqueSchema } from "./postgres-env.ts";
import { cloneJar, startAppServer, type TestServer } from "./redis-helpers.ts";

const url = await postgresUrlOrSkip();
const soon = () => ({ deadline: Date.now() + 2000 });
const record = (id: string, data: Record<string, unknown> = {}, user?: string): StoredSession => ({
  id,
  createdAt: 1_700_000_000_123,
  data,
  ...(user === undefined ? {} : { user }),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!url)("on a real PostgreSQL", () => {
  const databaseUrl = url as string;
  const schemas: string[] = [];
  let admin: pg.Pool;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(databaseUrl, schema);
    await admin?.end();
  });
  /** A migrated store in a schema of its own (dropped after the run). */
  async function migrated(label: string, extra: { sweepInterval?: number } = {}): Promise<PostgresStore> {
    const schema = uniqueSchema(label);
    schemas.push(schema);
    const store = postgresStore({ connectionString: databaseUrl, schema, ...extra });
    await store.migrate();
    return store;
  }

  testStore("postgres", async () => {
    const store = await migrated("conformance");
    const count = async () => {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${store.table} WHERE expires > now()`);
      return rows[0].n as number;
    };
    return { store, count, atomicMerge: true, cleanup: () => store.close() };
  });

  describe("postgresStore", () => {
    let store: PostgresStore;
    beforeAll(async () => {
      store = await migrated("store");
    });
    afterAll(() => store?.close());

    it("creates nothing at request time: before migrate() a call fails with 503 and says how to create the table", async () => {
      const schema = uniqueSchema("bare");
      schemas.push(schema);
      const bare = postgresStore({ connectionString: databaseUrl, schema });
      await expect(bare.get("some-id")).rejects.toSatisfy(
        (e) => isSessionError(e, "ERR_STORE_UNAVAILABLE") && /migrate/.test((e as Error).message),
      );
      await expect(bare.create(record("some-id"), 60, soon())).rejects.toSatisfy((e) =>
        isSessionError(e, "ERR_STORE_UNAVAILABLE"),
      );
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1", [schema]);
      expect(rows[0].n).toBe(0);
      await bare.migrate();
      await Promise.all([bare.migrate(), bare.migrate()]); // idempotent, also when run at once
      expect(await bare.create(record("some-id", { a: 1 }, "ada"), 60, soon())).toBe(true);
      expect(await bare.get("some-id")).toEqual(record("some-id", { a: 1 }, "ada"));
      await bare.close();
    });

    it("keeps one row per session: data as jsonb, the owner in user_id, created and expires as timestamps", async () => {
      await store.create(record("row-1", { cart: [1, { sku: "x" }], theme: "dark" }, "ada"), 3600, soon());
      const { rows } = await admin.query(
        `SELECT data, user_id, created, extract(epoch FROM expires - now())::int AS ttl FROM ${store.table} WHERE id = 'row-1'`,
      );
      expect(rows[0].data).toEqual({ cart: [1, { sku: "x" }], theme: "dark" });
      expect(rows[0].user_id).toBe("ada");
      expect((rows[0].created as Date).getTime()).toBe(1_700_000_000_123);
      expect(Math.abs(rows[0].ttl - 3600)).toBeLessThanOrEqual(2);
      const { rows: indexes } = await admin.query("SELECT indexdef FROM pg_indexes WHERE schemaname = $1", [
        store.table.split(".")[0]!.replaceAll('"', ""),
      ]);
      const definitions = indexes.map((row) => row.indexdef as string).join("\n");
      expect(definitions).toMatch(/\(user_id\)/);
      expect(definitions).toMatch(/\(expires\)/);
    });

    it("a write that waited past its deadline for a row lock is refused by the server and rolled back", async () => {
      await store.create(record("locked", { v: 1 }), 60, soon());
      const holder = await admin.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(`SELECT 1 FROM ${store.table} WHERE id = 'locked' FOR UPDATE`);
        const started = Date.now();
        const update = store.update("locked", { set: { v: 2 }, unset: [] }, 60, { deadline: started + 300 });
        const outcome = update.then(
          () => "resolved",
          (error: unknown) => (error as { code?: string }).code,
        );
        await sleep(700); // the statement still waits on the lock, past its deadline
        await holder.query(`UPDATE ${store.table} SET expires = expires WHERE id = 'locked'`);
        await holder.query("COMMIT");
        expect(await outcome).toBe("ERR_STORE_UNAVAILABLE");
        await sleep(300); // the backend, no longer waiting, runs the statement now: it must refuse it
      } finally {
        holder.release();
      }
      expect((await store.get("locked"))?.data).toEqual({ v: 1 });
    });

    it("refuses a string holding U+0000 (jsonb cannot keep it) and writes nothing", async () => {
      await expect(store.create(record("nul", { s: "a\u0000b" }), 60, soon())).rejects.toSatisfy((e) =>
        isSessionError(e, "ERR_SEAL_VALUE"),
      );
      expect(await store.get("nul")).toBeUndefined();
      // A backslash followed by "u0000" is ordinary text.
      expect(await store.create(record("nul", { s: "\\u0000" }), 60, soon())).toBe(true);
      expect((await store.get("nul"))?.data).toEqual({ s: "\\u0000" });
    });

    it("a row written by another hand: non-object data reads as missing, prototype keys are dropped", async () => {
      const odd = await migrated("odd", { sweepInterval: 0 });
      const insert = (id: string, data: string) =>
        admin.query(
          `INSERT INTO ${odd.table} (id, data, created, expires) VALUES ($1, $2::jsonb, now(), now() + interval '1 minute')`,
          [id, data],
        );
      for (const [id, data] of [
        ["array", "[1]"],
        ["text", '"x"'],
        ["null", "null"],
      ]) {
        await insert(id!, data!);
        expect(await odd.get(id!)).toBeUndefined();
      }
      await insert("proto", '{"__proto__": {"polluted": true}, "a": 1}');
      const read = await odd.get("proto");
      expect(read?.data).toStrictEqual({ a: 1 });
      expect(Object.getPrototypeOf(read!.data)).toBe(Object.prototype);
      await expect(odd.create(record("nul", { s: "\u0000" }), 60, soon())).rejects.toThrow(
        "postgresStore cannot store the character U+0000 (jsonb refuses it)",
      );
      await odd.close();
    });

    it("sweeps expired rows in batches; live rows stay", async () => {
      const swept = await migrated("sweep", { sweepInterval: 0 });
      const values = Array.from({ length: 1200 }, (_, i) => `('old-${i}', '{}', now(), now() - interval '1 second')`);
      await admin.query(`INSERT INTO ${swept.table} (id, data, created, expires) VALUES ${values.join(",")}`);
      await swept.create(record("live", { a: 1 }), 60, soon());
      expect(await swept.sweep()).toBe(1200);
      const { rows } = await admin.query(`SELECT id FROM ${swept.table}`);
      expect(rows.map((row) => row.id)).toEqual(["live"]);
      await swept.close();
    });

    it("runs its sweep on an unref'd timer that close() stops; a pool you pass stays open", async () => {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      const before = timers();
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
      const owned = postgresStore({ pool, schema: store.table.split(".")[0]!.replaceAll('"', ""), sweepInterval: 50 });
      expect(timers()).toBe(before);
      expect(await owned.create(record("owned", {}, "olga"), 60, soon())).toBe(true);
      expect(await owned.listByUser("olga")).toEqual(["owned"]);
      await owned.close();
      expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
      await pool.end();
    });

    it("prepares its statements once per connection; prepare: false sends them unnamed (for poolers that lose them)", async () => {
      const schema = store.table.split(".")[0]!.replaceAll('"', "");
      for (const prepare of [true, false]) {
        const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
        const own = postgresStore({ pool, schema, prepare, sweepInterval: 0 });
        const id = `prepared-${prepare}`;
        expect(await own.create(record(id, { a: 1 }), 60, soon())).toBe(true);
        expect((await own.update(id, { set: { b: 2 }, unset: [] }, 60, soon()))?.data).toEqual({ a: 1, b: 2 });
        expect((await own.get(id))?.data).toEqual({ a: 1, b: 2 });
        expect(await own.update("prepared-missing", { set: { b: 2 }, unset: [] }, 60, soon())).toBeUndefined();
        // The pool has one connection: the one the store's statements ran on.
        const { rows } = await pool.query("SELECT name FROM pg_prepared_statements ORDER BY name");
        const names = rows.map((row: { name: string }) => row.name.replace(/_[0-9a-f]{8}$/, ""));
        expect(names).toEqual(
          prepare
            ? [
                "sealed_session_create",
                "sealed_session_get",
                "sealed_session_in_time",
                "sealed_session_now",
                "sealed_session_update",
              ]
            : [],
        );
        await own.close();
        await pool.end();
      }
    });

    it("refuses a bad config", () => {
      const bad = [
        {},
        { connectionString: databaseUrl, pool: admin },
        { connectionString: databaseUrl, table: "sessions; DROP TABLE x" },
        { connectionString: databaseUrl, schema: 'a"b' },
        { connectionString: databaseUrl, sweepInterval: -1 },
        { connectionString: databaseUrl, prepare: "yes" },
      ];
      for (const options of bad) {
        expect(() => postgresStore(options as never)).toThrow(expect.objectContaining({ code: "ERR_CONFIG" }));
      }
    });
  });

  describe("two server processes sharing one database", () => {
    const schema = uniqueSchema("processes");
    let one: TestServer;
    let two: TestServer;
    let store: PostgresStore;
    beforeAll(async () => {
      schemas.push(schema);
      store = postgresStore({ connectionString: databaseUrl, schema });
      await store.migrate();
      const env = { STORE: "postgres", POSTGRES_URL: databaseUrl, PG_SCHEMA: schema };
      [one, two] = await Promise.all([
        startAppServer({ ...env, NAME: "one" }),
        startAppServer({ ...env, NAME: "two" }),
      ]);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([one?.stop(), two?.stop()]);
      await store?.close();
    });

    it("a session created on one is read and updated on the other; a logout on one is seen at once by the other", async () => {
      const jar = new CookieJar();
      const created = await one.send(jar, "POST", "/update?user=ada&theme=dark");
      expect(created.body).toMatchObject({ server: "one", data: { user: "ada", theme: "dark" } });
      const id = created.body.id as string;
      expect((await two.send(jar, "GET", "/")).body).toEqual({
        server: "two",
        id,
        data: { user: "ada", theme: "dark" },
      });
      await two.send(jar, "POST", "/update?user=ada&theme=light");
      expect((await one.send(jar, "GET", "/")).body).toEqual({
        server: "one",
        id,
        data: { user: "ada", theme: "light" },
      });
      expect(await store.listByUser("ada")).toEqual([id]);

      const copy = cloneJar(jar);
      await one.send(jar, "POST", "/logout");
      const after = await two.send(copy, "GET", "/");
      expect(after.body.id).not.toBe(id);
      expect(after.body.data).toEqual({});
      expect(await store.get(id)).toBeUndefined();
      expect(await store.listByUser("ada")).toEqual([]);
    });

    it("the logout race: a request that loaded before a logout on the other server and saves after it does not bring it back", async () => {
      const jar = new CookieJar();
      const id = (await one.send(jar, "POST", "/update?user=bea")).body.id as string;
      const stolen = cloneJar(jar);
      const replay = cloneJar(jar);

      const slow = one.send(stolen, "POST", "/race?gate=g1");
      await one.send(new CookieJar(), "GET", "/reached?gate=g1");
      await two.send(jar, "POST", "/logout");
      await one.send(new CookieJar(), "POST", "/open?gate=g1");
      const late = await slow;

      expect(late.status).toBe(200);
      expect(late.setCookies.join()).toMatch(/h3=;.*Max-Age=0/i);
      expect(await store.get(id)).toBeUndefined();
      expect(stolen.cookies.size).toBe(0);
      expect((await one.send(replay, "GET", "/")).body.data).toEqual({});
    });
  });
});
