/**
 * A Redis Cluster master killed under load (SIGKILL, on a cluster of this
 * test's own): requests fail fast with 503 while the cluster elects its
 * replica, then succeed again with the same app and store (no restart), and
 * no session whose write was acknowledged by a replica (`replicas: 1`, WAIT)
 * is lost. The load runs on a store with the default `replicas: 0`: with one
 * replica per master, the promoted master has no replica left, so a
 * `replicas: 1` store refuses writes on that shard until one rejoins.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  eventHandler,
  getSession,
  type RedisStore,
  redisStore,
  type SessionConfig,
  toWebHandler,
  updateSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { type PrivateCluster, startPrivateCluster } from "./redis-cluster-server.ts";
import { redisServerOrSkip, uniquePrefix } from "./redis-env.ts";

const STORE_TIMEOUT = 1000;
/** How much later than the store timeout a failed request may answer on a busy 2-core machine. */
const SLACK = 1000;
const canRun = redisServerOrSkip();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  status: number;
  at: number;
  ms: number;
  code?: string;
}

describe.skipIf(!canRun)("a Redis Cluster master killed under load", () => {
  let cluster: PrivateCluster;
  let store: RedisStore;
  let durable: RedisStore;
  let app: (request: Request) => Promise<Response>;
  /** Sessions whose write answered 200, with their `n`; and those a replica acknowledged too (WAIT). */
  const acknowledged: { jar: CookieJar; n: number }[] = [];
  const replicated: { jar: CookieJar; n: number }[] = [];

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation(() => {}); // the adapters log each 503
    cluster = await startPrivateCluster();
    const nodes = cluster.nodes.map((node) => ({ host: "127.0.0.1", port: node.port }));
    const prefix = uniquePrefix("failover");
    store = redisStore({ cluster: nodes, prefix });
    durable = redisStore({ cluster: nodes, prefix, replicas: 1 });
    const config: SessionConfig<{ n?: number }> = {
      password: "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u",
      store,
      storeTimeout: STORE_TIMEOUT,
      maxAge: 3600,
    };
    const durableConfig = { ...config, store: durable };
    // Connect before the first request: on a busy machine that alone can take the whole store timeout.
    await Promise.all([store.get("warm-up"), durable.get("warm-up")]);
    app = toWebHandler(
      eventHandler(async (event) => {
        const n = event.url.searchParams.get("n");
        const chosen = event.url.pathname === "/durable" ? durableConfig : config;
        if (n !== null) return (await updateSession(event, chosen, { n: Number(n) })).data;
        return (await getSession(event, config)).data;
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await durable?.close();
    await cluster?.stop();
    vi.restoreAllMocks();
  });

  let counter = 0;
  async function request(jar: CookieJar, path: string, started: number): Promise<Outcome> {
    const begin = performance.now();
    const response = await app(new Request(`http://localhost${path}`, jar.init()));
    jar.store(response);
    const body = (await response.json().catch(() => ({}))) as { code?: string };
    const outcome: Outcome = { status: response.status, at: Date.now() - started, ms: performance.now() - begin };
    return body.code ? { ...outcome, code: body.code } : outcome;
  }

  /** A new session with its own `n`; remembered when the write was acknowledged. */
  async function signUp(started: number, path = "/"): Promise<Outcome> {
    const jar = new CookieJar();
    const n = ++counter;
    const outcome = await request(jar, `${path}?n=${n}`, started);
    if (outcome.status === 200) (path === "/durable" ? replicated : acknowledged).push({ jar, n });
    return outcome;
  }

  it("503s only while the replica is elected, then 200s with the same app; no acknowledged session lost", async () => {
    const started = Date.now();
    for (let i = 0; i < 30; i++) expect((await signUp(started)).status).toBe(200);
    for (let i = 0; i < 60; i++) expect((await signUp(started, "/durable")).status).toBe(200);

    const outcomes: Promise<Outcome>[] = [];
    const masters = await cluster.masters();
    const killed = cluster.nodes.find((node) => node.port === masters[0])!;
    let killedAt = 0;
    let recoveredAt = 0;
    let streak = 0;
    // Load until 2 s of only 200s after the kill (or 30 s).
    while (Date.now() - started < 30_000) {
      const now = Date.now() - started;
      if (!killedAt && acknowledged.length >= 60) {
        killed.process.kill("SIGKILL");
        killedAt = now;
      }
      // WAIT-acknowledged sign-ups right up to the kill.
      const burst = [signUp(started), signUp(started, killedAt ? "/" : "/durable")];
      for (let k = 0; k < 2; k++) {
        const { jar } = acknowledged[Math.floor(Math.random() * acknowledged.length)]!;
        burst.push(request(jar, "/", started));
      }
      outcomes.push(...burst);
      const settled = await Promise.all(burst);
      if (killedAt && settled.every((o) => o.status === 200)) {
        streak += 1;
        if (!recoveredAt && streak >= 1) recoveredAt = now;
        if (Date.now() - started - recoveredAt > 2000 && streak > 20) break;
      } else {
        streak = 0;
        recoveredAt = 0;
      }
      await sleep(20);
    }
    const all = await Promise.all(outcomes);
    const failed = all.filter((o) => o.status !== 200);
    console.log(
      `[cluster failover] killed at ${killedAt} ms, serving again from ${recoveredAt} ms; ${failed.length} of ${all.length} requests failed, between ${failed[0]?.at} and ${failed.at(-1)?.at} ms`,
    );
    expect(killedAt).toBeGreaterThan(0);
    expect(recoveredAt).toBeGreaterThan(killedAt);
    expect(failed.length).toBeGreaterThan(0);
    for (const outcome of failed) {
      expect(outcome.status).toBe(503);
      expect(outcome.code).toBe("ERR_STORE_UNAVAILABLE");
      expect(outcome.ms).toBeLessThan(STORE_TIMEOUT + SLACK);
      // Only during the election: none before the kill, none once it serves again.
      expect(outcome.at).toBeGreaterThanOrEqual(killedAt);
      expect(outcome.at).toBeLessThanOrEqual(recoveredAt);
    }
    expect(await cluster.masters()).toHaveLength(3);

    const lost = async (sessions: { jar: CookieJar; n: number }[]) => {
      const missing: number[] = [];
      for (const { jar, n } of sessions) {
        const response = await app(new Request("http://localhost/", jar.init()));
        const data = (await response.json()) as { n?: number };
        if (response.status !== 200 || data.n !== n) missing.push(n);
      }
      return missing;
    };
    expect(await lost(replicated)).toEqual([]);
    // Without WAIT a write acknowledged by the master just before it died may be lost; reported, not asserted.
    console.log(
      `[cluster failover] without WAIT: ${(await lost(acknowledged)).length} of ${acknowledged.length} lost; with WAIT: 0 of ${replicated.length}`,
    );
  }, 60_000);
});
