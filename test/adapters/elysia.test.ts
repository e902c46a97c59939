import { afterAll, describe, it } from "vitest";
import { walkThrough } from "./scenario.ts";
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
  });
});
