import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { session } from "../../src/adapters/hono.ts";
import { downStore } from "../helpers/down-store.ts";
import { app, config } from "./fixtures/hono-app.ts";
import { Client, cookieNames, walkThrough } from "./scenario.ts";
import { missing, runtimes, runtimesDir, type SpawnedServer, spawnServer } from "./spawn-server.ts";

/** The same app on every runtime: the walk through the session, and `useSession(c)` without the middleware. */
async function checkApp(base: string): Promise<void> {
  await walkThrough(base, ["theme"]);
  const client = new Client(base);
  const raw = await client.call("POST", "/own-raw");
  expect(cookieNames(raw.lines).sort(), "a Response the route returns keeps its own cookies").toEqual(["lang", "sid"]);
  expect((await client.call("GET", "/direct")).body).toEqual({ visits: 1 });
  expect((await client.call("GET", "/direct")).body).toEqual({ visits: 2 });
}

const servers: SpawnedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

describe("sealed-session/hono", () => {
  it("on Node (@hono/node-server)", async () => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => (server.listening ? resolve(null) : server.once("listening", resolve)));
    try {
      await checkApp(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("answers 503, not the route's 200, when a write it did not await fails on the store", async () => {
    const failing = downStore();
    const codes: string[] = [];
    const failingApp = new Hono()
      .use(session({ password: config.password, store: failing, onError: (code) => codes.push(code) }))
      .get("/", (c) => {
        void c.var.session.update({ visits: 1 });
        c.header("cache-control", "public, max-age=600");
        c.header("set-cookie", "theme=dark; Path=/");
        return c.json({ queued: true });
      });
    const response = await failingApp.request("http://localhost/");
    expect(response.status).toBe(503);
    // None of the app's headers: a CDN must not keep the outage, and no cookie claims a success.
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(codes).toEqual(["ERR_STORE_UNAVAILABLE"]);
  });

  const noBun = missing(runtimes.bun);
  it.skipIf(noBun)(`on Bun${noBun ? ` (skipped: ${noBun})` : ""}`, async () => {
    const server = await spawnServer(runtimes.bun, ["test/adapters/fixtures/serve.ts", "hono"]);
    servers.push(server);
    await checkApp(server.base);
  });

  const noDeno = missing(runtimes.deno);
  it.skipIf(noDeno)(`on Deno${noDeno ? ` (skipped: ${noDeno})` : ""}`, async () => {
    const args = [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      "test/adapters/fixtures/serve.ts",
      "hono",
    ];
    const server = await spawnServer(runtimes.deno, args);
    servers.push(server);
    await checkApp(server.base);
  });

  const noWorkerd = missing(runtimes.node24, runtimes.miniflare);
  it.skipIf(noWorkerd)(
    `on workerd (miniflare)${noWorkerd ? ` (skipped: ${noWorkerd})` : ""}`,
    async () => {
      const script = "test/adapters/fixtures/serve-workerd.ts";
      const server = await spawnServer(runtimes.node24, [script, runtimesDir, `${runtimesDir}/build`]);
      servers.push(server);
      await checkApp(server.base);
    },
    60_000,
  );
});
