/**
 * PostgreSQL failing under load, on a server of this test's own (initdb +
 * pg_ctl on a free port); the shared database is never touched.
 *
 * "Frozen" is a SIGSTOP of the postmaster and every backend: a hung server
 * with its sockets open, which is what a stall or a partition looks like to
 * clients. "Crashed" is `pg_ctl stop -m immediate`: the server dies without a
 * checkpoint and replays its WAL on the next start, so every committed write
 * must still be there.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clearSession,
  eventHandler,
  getSession,
  type PostgresStore,
  postgresStore,
  regenerateSession,
  type SessionConfig,
  toWebHandler,
  updateSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { postgresBinariesOrSkip } from "./postgres-env.ts";
import { freePort, type PrivatePostgres, startPrivatePostgres } from "./postgres-server.ts";

const STORE_TIMEOUT = 400;
/** How much later than the store timeout a failed request may answer on a busy 2-core machine. */
const SLACK = 800;
const SESSIONS = 20;
const bin = postgresBinariesOrSkip();

type PlainEvent = { req: Request; res: { headers: Headers } };
const plainEvent = (jar: CookieJar): PlainEvent => ({
  req: new Request("http://localhost/", jar.init()),
  res: { headers: new Headers() },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  status: number;
  ms: number;
  code?: string;
  setCookies: string[];
  jar: CookieJar;
  n?: number;
}

describe.skipIf(!bin)("PostgreSQL failing mid-load (a private server)", () => {
  let server: PrivatePostgres;
  let store: PostgresStore;
  let admin: pg.Pool;
  let config: SessionConfig<{ n?: number }>;
  let app: (request: Request) => Promise<Response>;
  const jars: CookieJar[] = [];
  /** Sessions created during the load and acknowledged with a 200, with their `n`. */
  const acknowledged: { jar: CookieJar; n: number }[] = [];

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation(() => {}); // the adapters log each 503
    server = startPrivatePostgres(bin as string, await freePort());
    store = postgresStore({
      connectionString: server.url,
      poolOptions: { connectionTimeoutMillis: STORE_TIMEOUT, query_timeout: STORE_TIMEOUT },
    });
    await store.migrate();
    admin = new pg.Pool({ connectionString: server.url, max: 1 });
    admin.on("error", () => {}); // its idle connection dies with the server
    config = { password: "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u", store, storeTimeout: STORE_TIMEOUT, maxAge: 3600 };
    app = toWebHandler(
      eventHandler(async (event) => {
        const n = event.url.searchParams.get("n");
        if (n !== null) return (await updateSession(event, config, { n: Number(n) })).data;
        return (await getSession(event, config)).data;
      }),
    );
    for (let i = 0; i < SESSIONS; i++) {
      const jar = new CookieJar();
      expect((await request(jar, `/?n=${i}`)).status).toBe(200);
      jars.push(jar);
    }
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    server?.destroy();
    vi.restoreAllMocks();
  });

  async function request(jar: CookieJar, path: string): Promise<Outcome> {
    const started = performance.now();
    const response = await app(new Request(`http://localhost${path}`, jar.init()));
    const ms = performance.now() - started;
    const setCookies = jar.store(response);
    const body = (await response.json().catch(() => ({}))) as { code?: string; n?: number };
    return { status: response.status, ms, setCookies, jar, ...(body.code ? { code: body.code } : {}), n: body.n };
  }

  /** Reads, idempotent rewrites and brand-new sessions (each with its own `n`), all at once. */
  function burst(size: number, round: number): Promise<Outcome>[] {
    return Array.from({ length: size }, async (_, k) => {
      const i = k % SESSIONS;
      if (k % 2 === 1) {
        const n = 1000 + round * size + k;
        const outcome = await request(new CookieJar(), `/?n=${n}`);
        if (outcome.status === 200) acknowledged.push({ jar: outcome.jar, n });
        return outcome;
      }
      return request(jars[i]!, k % 4 === 2 ? `/?n=${i}` : "/");
    });
  }

  /** A burst every 20 ms for 700 ms, the fault at 300 ms: requests before, during and after it. */
  async function underLoad(fault: () => void): Promise<Outcome[]> {
    const outcomes: Promise<Outcome>[] = [];
    const started = Date.now();
    let faulted = false;
    for (let round = 0; Date.now() - started < 700; round++) {
      if (!faulted && Date.now() - started >= 300) {
        fault();
        faulted = true;
      }
      outcomes.push(...burst(4, round));
      await sleep(20);
    }
    const settled = await Promise.all(outcomes);
    expect(settled.some((o) => o.status === 200)).toBe(true);
    expect(settled.some((o) => o.status === 503)).toBe(true);
    return settled;
  }

  function expectFailedFast(outcomes: Outcome[]): void {
    for (const outcome of outcomes) {
      expect(outcome.ms).toBeLessThan(STORE_TIMEOUT + SLACK);
      expect([200, 503]).toContain(outcome.status);
      if (outcome.status === 503) {
        expect(outcome.code).toBe("ERR_STORE_UNAVAILABLE");
        expect(outcome.setCookies).toEqual([]);
      }
    }
  }

  async function untilServing(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while ((await request(jars[0]!, "/")).status !== 200) {
      if (Date.now() > deadline) throw new Error("the app did not recover within 15 s");
      await sleep(100);
    }
  }

  /** Every session acknowledged so far reads back with its data. */
  async function expectNothingLost(): Promise<void> {
    for (const [i, jar] of jars.entries()) expect((await request(jar, "/")).n, `session ${i}`).toBe(i);
    for (const { jar, n } of acknowledged) expect((await request(jar, "/")).n, `acknowledged ${n}`).toBe(n);
  }

  it("frozen mid-load: requests fail fast with 503; once it continues every acknowledged session is there", async () => {
    try {
      expectFailedFast(await underLoad(() => server.freeze()));
    } finally {
      server.thaw();
    }
    await untilServing();
    await expectNothingLost();
    expect(acknowledged.length).toBeGreaterThan(0);
  });

  it("a write answered with 503 never lands later: frozen between read and write, 8 times each for update, clear and regenerate", async () => {
    const verbs = {
      update: (event: PlainEvent) => updateSession(event, config, { n: 5000 }),
      clear: (event: PlainEvent) => clearSession(event, config),
      regenerate: (event: PlainEvent) => regenerateSession(event, config),
    };
    const late: string[] = [];
    for (const [verb, run] of Object.entries(verbs)) {
      for (let round = 0; round < 8; round++) {
        const i = round % SESSIONS;
        const event = plainEvent(jars[i]!);
        await getSession(event, config); // the read lands while the server runs
        const rowsBefore = await count();
        server.freeze();
        let code: string | undefined;
        try {
          await run(event);
        } catch (error) {
          code = (error as { code?: string }).code;
        } finally {
          server.thaw();
        }
        expect(code, `${verb} #${round}`).toBe("ERR_STORE_UNAVAILABLE");
        expect(event.res.headers.getSetCookie(), "a refused write sets no cookie").toEqual([]);
        // The statement that was sent is now run by its backend, which must refuse it.
        await untilServing();
        await sleep(150);
        const intact = await getSession(plainEvent(jars[i]!), config);
        if (intact.data.n !== i || (await count()) !== rowsBefore) late.push(`${verb} #${round}`);
      }
    }
    expect(late).toEqual([]);
  }, 120_000);

  it("crashed mid-load (pg_ctl stop -m immediate): 503s while down; after a restart no acknowledged session is lost", async () => {
    const before = acknowledged.length;
    expectFailedFast(await underLoad(() => server.crash()));
    expectFailedFast(await Promise.all(burst(20, 999)));
    server.start();
    await untilServing();
    await expectNothingLost();
    expect(acknowledged.length).toBeGreaterThan(before);
  }, 60_000);

  /** Live rows in the table. */
  async function count(): Promise<number> {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${store.table} WHERE expires > now()`);
    return rows[0].n as number;
  }
});
