/**
 * A Redis client you pass to redisStore that is not ready yet, on a
 * redis-server of this test's own (free port); the shared Redis is never
 * touched. A call must settle, never wait for a `ready` that may not come:
 * it fails with ERR_STORE_UNAVAILABLE (503) when the connection fails, and
 * after the store's deadline when it hangs; a later call tries again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  DEFAULT_STORE_TIMEOUT_MS,
  eventHandler,
  getSession,
  redisStore,
  type SessionConfig,
  toWebHandler,
  updateSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { redisServerOrSkip } from "./redis-env.ts";
import { freePort, type PrivateRedis, startPrivateRedis } from "./redis-helpers.ts";

const canRun = redisServerOrSkip();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!canRun)("a Redis client you pass that is not ready (a private redis-server)", () => {
  let dir: string;
  const cleanups: (() => unknown)[] = [];
  beforeAll(() => {
    vi.spyOn(console, "error").mockImplementation(() => {}); // the adapters log each 503
    dir = mkdtempSync(join(tmpdir(), "sealed-session-redis-connect-"));
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it("still connecting to a server that is down: the request fails with 503 at once, and works once the server is up", async () => {
    const port = await freePort();
    // ioredis defaults: an offline queue and endless reconnects.
    const client = new Redis(`redis://127.0.0.1:${port}`);
    client.on("error", () => {});
    cleanups.push(() => client.disconnect());
    const config: SessionConfig<{ n?: number }> = {
      password: "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u",
      store: redisStore({ client, prefix: "connect:" }),
      storeTimeout: 1500,
    };
    const app = toWebHandler(
      eventHandler(async (event) =>
        event.method === "POST"
          ? (await updateSession(event, config, { n: 1 })).data
          : (await getSession(event, config)).data,
      ),
    );
    const jar = new CookieJar();
    const send = async (method = "GET") => {
      const started = performance.now();
      const response = await app(new Request("http://localhost/", jar.init({ method })));
      jar.store(response);
      return { status: response.status, body: await response.json(), ms: performance.now() - started };
    };

    expect(client.status).toBe("connecting");
    const failed = await send("POST");
    expect(failed).toMatchObject({ status: 503, body: { code: "ERR_STORE_UNAVAILABLE" } });
    expect(failed.ms).toBeLessThan(1000); // the connection failure, not the 1.5 s store timeout
    expect(jar.cookies.size).toBe(0);

    const redis: PrivateRedis = await startPrivateRedis(dir, port);
    cleanups.push(() => redis.stop());
    const deadline = Date.now() + 10_000;
    let created = await send("POST");
    while (created.status !== 200 && Date.now() < deadline) {
      await sleep(100);
      created = await send("POST");
    }
    expect(created.body).toEqual({ n: 1 });
    expect((await send()).body).toEqual({ n: 1 });
  });

  it("a lazy client whose server is frozen: a direct call fails after the store's deadline; the next one connects", async () => {
    const redis = await startPrivateRedis(dir);
    cleanups.push(() => redis.stop());
    // The kernel still accepts the connection; the server never answers the handshake.
    redis.process.kill("SIGSTOP");
    const client = new Redis(redis.url, { lazyConnect: true });
    client.on("error", () => {});
    cleanups.push(() => client.disconnect());
    const store = redisStore({ client, prefix: "connect:" });

    const started = performance.now();
    const outcome = await Promise.race([
      store.get("never-written").then(
        () => "answered",
        (error: unknown) => error,
      ),
      sleep(DEFAULT_STORE_TIMEOUT_MS + 2000).then(() => "still waiting"),
    ]);
    const ms = performance.now() - started;
    expect(outcome).toMatchObject({ code: "ERR_STORE_UNAVAILABLE", status: 503 });
    expect(ms).toBeGreaterThanOrEqual(DEFAULT_STORE_TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(DEFAULT_STORE_TIMEOUT_MS + 1000);

    redis.process.kill("SIGCONT");
    expect(await store.get("never-written")).toBeUndefined();
    expect(client.status).toBe("ready");
  }, 15_000);
});
