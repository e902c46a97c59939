import { afterAll, describe, expect, it } from "vitest";
import { Client, cookieNames, walkThrough } from "./scenario.ts";
import { missing, runtimes, type SpawnedServer, spawnServer } from "./spawn-server.ts";

// Elysia targets Bun: the app runs under the pinned Bun of scripts/runtimes.sh.
const servers: SpawnedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

describe("sealed-session/elysia", () => {
  const noBun = missing(runtimes.bun);
  it.skipIf(noBun)(`on Bun${noBun ? ` (skipped: ${noBun})` : ""}`, async () => {
    const server = await spawnServer(runtimes.bun, ["test/adapters/fixtures/serve.ts", "elysia"]);
    servers.push(server);
    await walkThrough(server.base, ["theme", "lang"]);

    const raw = await new Client(server.base).call("POST", "/own-raw");
    expect(cookieNames(raw.lines).sort(), "a Response the route returns keeps its own cookies").toEqual([
      "lang",
      "sid",
    ]);

    const late = await fetch(`${server.base}/late`, { method: "POST" });
    expect(late.headers.getSetCookie()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await (await fetch(`${server.base}/reported`)).json()).toEqual(["ERR_HEADERS_SENT"]);
    expect((await fetch(`${server.base}/anon`)).status, "the server is still up").toBe(200);
  });

  it.skipIf(noBun)("answers 503, not the handler's 200, when a write it did not await fails on the store", async () => {
    const server = await spawnServer(runtimes.bun, ["test/adapters/fixtures/serve.ts", "elysia-down"]);
    servers.push(server);
    const response = await fetch(`${server.base}/visit-later`, { method: "POST" });
    expect(response.status).toBe(503);
    // None of the app's headers: a CDN must not keep the outage, and no cookie claims a success.
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await (await fetch(`${server.base}/reported`)).json()).toEqual(["ERR_STORE_UNAVAILABLE"]);
  });
});
