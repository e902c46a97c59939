/**
 * Redis failing under load, on a redis-server of this test's own (free port,
 * `--save "" --appendonly no`); the shared Redis is never touched.
 *
 * "Redis stopped" is a SIGSTOP: the process freezes with its memory and its
 * sockets, which is what a hung server, a long GC-like stall or a network
 * partition looks like to clients, and SIGCONT brings back the same data. A
 * real process exit is tested too: with a snapshot taken on shutdown
 * (`SHUTDOWN SAVE`) the data comes back; killed without persistence it does
 * not, and then the app must fail closed (fresh sessions), never serve stale
 * data or errors.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clearSession,
  eventHandler,
  getSession,
  type RedisStore,
  redisStore,
  regenerateSession,
  type SessionConfig,
  type SessionErrorCode,
  toWebHandler,
  updateSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { redisServerOrSkip } from "./redis-env.ts";
import { exited, type PrivateRedis, startPrivateRedis } from "./redis-helpers.ts";

const STORE_TIMEOUT = 300;
/** How much later than the store timeout a failed request may answer on a busy 2-core machine. */
const SLACK = 500;
const SESSIONS = 20;
const canRun = redisServerOrSkip();

type PlainEvent = { req: Request; res: { headers: Headers } };

/** A `{ req, res }` event carrying a jar's cookies: lets a test pause between a request's steps. */
function plainEvent(jar: CookieJar): PlainEvent {
  return { req: new Request("http://localhost/", jar.init()), res: { headers: new Headers() } };
}

interface Outcome {
  status: number;
  ms: number;
  code?: string;
  setCookies: string[];
}

describe.skipIf(!canRun)("Redis failing mid-load (a private redis-server)", () => {
  let dir: string;
  let redis: PrivateRedis;
  let store: RedisStore;
  let config: SessionConfig<{ n?: number }>;
  let app: (request: Request) => Promise<Response>;
  const errors: SessionErrorCode[] = [];
  const jars: CookieJar[] = [];

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation(() => {}); // the adapters log each 503
    dir = mkdtempSync(join(tmpdir(), "sealed-session-redis-"));
    redis = await startPrivateRedis(dir);
    store = redisStore({ url: redis.url, prefix: "faults:" });
    config = {
      password: "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u",
      store,
      storeTimeout: STORE_TIMEOUT,
      maxAge: 3600,
      onError: (code) => errors.push(code),
    };
    app = toWebHandler(
      eventHandler(async (event) => {
        const n = event.url.searchParams.get("n");
        if (n !== null) return (await updateSession(event, config, { n: Number(n) })).data;
        return (await getSession(event, config)).data;
      }),
    );
    // Load ioredis and connect before the first request: on a busy machine that alone can take the whole store timeout.
    await store.get("warm-up");
    for (let i = 0; i < SESSIONS; i++) {
      const jar = new CookieJar();
      expect((await request(jar, `/?n=${i}`)).status).toBe(200);
      jars.push(jar);
    }
  });

  afterAll(async () => {
    await store?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  async function request(jar: CookieJar, path: string): Promise<Outcome> {
    const started = performance.now();
    const response = await app(new Request(`http://localhost${path}`, jar.init()));
    const ms = performance.now() - started;
    const setCookies = jar.store(response);
    const body = (await response.json().catch(() => ({}))) as { code?: string };
    return { status: response.status, ms, setCookies, ...(body.code ? { code: body.code } : {}) };
  }

  /** Reads, idempotent rewrites (each session's own `n`) and brand-new visitors, all at once. */
  function burst(size: number): Promise<Outcome>[] {
    return Array.from({ length: size }, (_, k) => {
      const i = k % SESSIONS;
      if (k % 5 === 4) return request(new CookieJar(), "/?n=99");
      return request(jars[i]!, k % 2 ? `/?n=${i}` : "/");
    });
  }

  /**
   * Keeps requests coming (a burst every 10 ms for 300 ms) and runs `fault`
   * at 120 ms, so that some requests finish before it, some are in flight
   * during it and some start after it.
   */
  async function underLoad(fault: () => Promise<void>): Promise<Outcome[]> {
    const outcomes: Promise<Outcome>[] = [];
    const started = Date.now();
    let faulted: Promise<void> | undefined;
    while (Date.now() - started < 300) {
      if (!faulted && Date.now() - started >= 120) faulted = fault();
      outcomes.push(...burst(4));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await faulted;
    const settled = await Promise.all(outcomes);
    expect(settled.some((o) => o.status === 200)).toBe(true);
    expect(settled.some((o) => o.status === 503)).toBe(true);
    return settled;
  }

  function expectFailedClosed(outcomes: Outcome[], { all }: { all: boolean }): void {
    for (const outcome of outcomes) {
      expect(outcome.ms).toBeLessThan(STORE_TIMEOUT + SLACK);
      if (all) expect(outcome.status).toBe(503);
      expect([200, 503]).toContain(outcome.status);
      if (outcome.status === 503) {
        expect(outcome.code).toBe("ERR_STORE_UNAVAILABLE");
        expect(outcome.setCookies).toEqual([]);
      }
    }
  }

  async function expectAllSessionsIntact(): Promise<void> {
    for (const [i, jar] of jars.entries()) {
      const started = performance.now();
      const response = await app(new Request("http://localhost/", jar.init()));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ n: i });
      expect(performance.now() - started).toBeLessThan(STORE_TIMEOUT + SLACK);
    }
  }

  /** After an outage the client reconnects on its own; wait for the first request that succeeds. */
  async function untilServing(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await request(jars[0]!, "/")).status !== 200) {
      if (Date.now() > deadline) throw new Error("the app did not recover within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("SIGSTOP mid-load: requests fail fast with 503; after SIGCONT every session is still there", async () => {
    try {
      expectFailedClosed(await underLoad(async () => void redis.process.kill("SIGSTOP")), { all: false });
      expectFailedClosed(await Promise.all(burst(40)), { all: true });
    } finally {
      redis.process.kill("SIGCONT");
    }
    await untilServing();
    await expectAllSessionsIntact();
  });

  it("a write answered with 503 never lands later: SIGSTOP between read and write, 20 times each for update, clear and regenerate", async () => {
    const admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
    const verbs = {
      update: (event: PlainEvent) => updateSession(event, config, { n: 1000 }),
      clear: (event: PlainEvent) => clearSession(event, config),
      regenerate: (event: PlainEvent) => regenerateSession(event, config),
    };
    let late = 0;
    try {
      for (const [verb, run] of Object.entries(verbs)) {
        for (let round = 0; round < 20; round++) {
          const i = round % SESSIONS;
          const event = plainEvent(jars[i]!);
          await getSession(event, config); // the read lands while Redis runs
          const keysBefore = (await admin.keys("faults:*")).sort();
          redis.process.kill("SIGSTOP");
          const started = performance.now();
          let code: string | undefined;
          try {
            await run(event);
          } catch (error) {
            code = (error as { code?: string }).code;
          } finally {
            redis.process.kill("SIGCONT");
          }
          expect(code, `${verb} #${round}`).toBe("ERR_STORE_UNAVAILABLE");
          expect(performance.now() - started).toBeLessThan(STORE_TIMEOUT + SLACK);
          expect(event.res.headers.getSetCookie(), "a refused write sets no cookie").toEqual([]);
          // The stalled script has now run (Redis answers in order): the record must be as it was.
          await admin.ping();
          const keysAfter = (await admin.keys("faults:*")).sort();
          const intact = await getSession(plainEvent(jars[i]!), config);
          if (intact.data.n !== i || keysAfter.join() !== keysBefore.join()) late++;
        }
      }
    } finally {
      admin.disconnect();
    }
    expect(late).toBe(0);
    await expectAllSessionsIntact();
  }, 60_000);

  it("a real stop (SHUTDOWN SAVE) mid-load: 503s while down; after a restart every session is still there", async () => {
    const admin = new Redis(redis.url, { retryStrategy: () => null, lazyConnect: true });
    await admin.connect();
    const shutdown = async () => {
      await admin.call("SHUTDOWN", "SAVE").catch(() => {}); // the server closes the connection as it exits
      admin.disconnect();
      await exited(redis.process);
    };
    expectFailedClosed(await underLoad(shutdown), { all: false });
    expectFailedClosed(await Promise.all(burst(40)), { all: true });
    await redis.restart();
    await untilServing();
    await expectAllSessionsIntact();
  });

  it("killed without persistence: the data is gone, and the app fails closed with fresh sessions", async () => {
    redis.process.kill("SIGKILL");
    rmSync(join(dir, "dump.rdb"), { force: true });
    await redis.restart();
    await untilServing();
    errors.length = 0;
    for (const jar of jars) {
      const response = await app(new Request("http://localhost/", jar.init()));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
    }
    expect(errors).toEqual(Array(SESSIONS).fill("ERR_STORE_MISSING"));
  });
});
