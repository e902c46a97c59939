import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, toWebHandler as h3v1ToWebHandler } from "h3-v1";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toWebHandler } from "../src/index.ts";
import { missing, runtimes, spawnServer } from "./adapters/spawn-server.ts";
import { CookieJar } from "./helpers/cookie-jar.ts";

/** Each example answers { visits } and counts up per browser. */
type Fetcher = (request: Request) => Promise<Response> | Response;

async function twoVisits(fetcher: Fetcher): Promise<number[]> {
  const jar = new CookieJar();
  const counts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const response = await fetcher(new Request("http://localhost/", jar.init()));
    jar.store(response);
    counts.push(((await response.json()) as { visits: number }).visits);
  }
  return counts;
}

function overHttp(port: number): Fetcher {
  return async (request) => {
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: request.headers });
    return new Response(await response.text(), { status: response.status, headers: response.headers });
  };
}

beforeAll(() => {
  process.env.SESSION_SECRET = "Ex4!mP9-lW2xQ7vR0bN5cK8zH3sD6gJ1tY";
  process.env.PORT = "0";
});

describe("README examples run", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it("node:http", async () => {
    const { server } = await import("../examples/node-http.ts");
    servers.push(server);
    await new Promise((resolve) => (server.listening ? resolve(null) : server.once("listening", resolve)));
    expect(await twoVisits(overHttp((server.address() as AddressInfo).port))).toEqual([1, 2]);
  });

  it.each([
    ["Express", () => import("../examples/express.ts")],
    ["Koa", () => import("../examples/koa.ts")],
  ])("%s (adapter)", async (_name, load) => {
    const { server } = await load();
    servers.push(server);
    await new Promise((resolve) => (server.listening ? resolve(null) : server.once("listening", resolve)));
    expect(await twoVisits(overHttp((server.address() as AddressInfo).port))).toEqual([1, 2]);
  });

  it("Bun / Deno / Workers (toWebHandler default export)", async () => {
    const worker = (await import("../examples/fetch.ts")).default;
    expect(await twoVisits((r) => worker.fetch(r))).toEqual([1, 2]);
  });

  it("Fastify (sessionPlugin)", async () => {
    const { app } = await import("../examples/fastify.ts");
    servers.push(app.server);
    expect(await twoVisits(overHttp((app.server.address() as AddressInfo).port))).toEqual([1, 2]);
  });

  it("Hono (session middleware, @hono/node-server)", async () => {
    const { server } = await import("../examples/hono.ts");
    servers.push(server as Server);
    await new Promise((resolve) => (server.listening ? resolve(null) : server.once("listening", resolve)));
    expect(await twoVisits(overHttp((server.address() as AddressInfo).port))).toEqual([1, 2]);
  });

  const noBun = missing(runtimes.bun);
  it.skipIf(noBun)(`Elysia on Bun${noBun ? ` (skipped: ${noBun})` : ""}`, async () => {
    const server = await spawnServer(runtimes.bun, ["examples/elysia.ts"], /Listening on http:\/\/[^/]*:(\d+)/);
    try {
      expect(await twoVisits(overHttp(Number(new URL(server.base).port)))).toEqual([1, 2]);
    } finally {
      await server.stop();
    }
  });

  it("h3 v2", async () => {
    const { app } = await import("../examples/h3.ts");
    expect(await twoVisits((r) => app.fetch(r))).toEqual([1, 2]);
  });

  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl && process.env.CI) throw new Error("REDIS_URL must be set in CI");
  if (!redisUrl) console.log("skipping the Redis store example: REDIS_URL is not set");
  it.runIf(redisUrl)("Redis store: sign in, replay after sign out, sign out everywhere", async () => {
    process.env.REDIS_URL = redisUrl;
    const { handler, store } = await import("../examples/redis.ts");
    const app = toWebHandler(handler);
    const user = `example-${crypto.randomUUID()}`;
    const laptop = new CookieJar();
    const phone = new CookieJar();
    const go = async (jar: CookieJar, path: string) => {
      const response = await app(new Request(`http://localhost${path}`, jar.init()));
      jar.store(response);
      return response.status === 204 ? null : response.json();
    };
    expect(await go(laptop, `/sign-in?user=${user}`)).toEqual({ user });
    expect(await go(phone, `/sign-in?user=${user}`)).toEqual({ user });
    const saved = new CookieJar();
    for (const [k, v] of laptop.cookies) saved.cookies.set(k, v);
    await go(laptop, "/sign-out");
    expect(await go(saved, "/")).toEqual({ user: null }); // replay of the old cookie
    expect(await go(phone, "/sign-out-everywhere")).toEqual({ revoked: 1 });
    expect(await go(phone, "/")).toEqual({ user: null });
    await store.close();
  });

  const postgresUrl = process.env.POSTGRES_URL;
  if (!postgresUrl && process.env.CI) throw new Error("POSTGRES_URL must be set in CI");
  if (!postgresUrl) console.log("skipping the PostgreSQL store example: POSTGRES_URL is not set");
  it.runIf(postgresUrl)("PostgreSQL store: the table is migrated, the cart is kept in it", async () => {
    const schema = `sealed_example_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    try {
      // The example's table lands in this run's schema (the connection's search path).
      process.env.DATABASE_URL = `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const { handler, store } = await import("../examples/postgres.ts");
      const app = toWebHandler(handler);
      const jar = new CookieJar();
      const go = async (path: string) => {
        const response = await app(new Request(`http://localhost${path}`, jar.init()));
        jar.store(response);
        return response.json();
      };
      expect(await go("/")).toEqual({ cart: [] });
      expect(await go("/?add=tea")).toEqual({ cart: ["tea"] });
      expect(await go("/?add=cake")).toEqual({ cart: ["tea", "cake"] });
      const { rows } = await admin.query(`SELECT data FROM "${schema}".sealed_sessions`);
      expect(rows).toEqual([{ data: { cart: ["tea", "cake"] } }]);
      await store.close();
    } finally {
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    }
  });

  it("vinxi / Nitro / Nuxt 3 (h3 v1)", async () => {
    const handler = (await import("../examples/vinxi.ts")).default;
    const app = createApp().use(handler);
    expect(await twoVisits(h3v1ToWebHandler(app))).toEqual([1, 2]);
  });
});
