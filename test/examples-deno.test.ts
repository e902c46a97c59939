import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CookieJar } from "./helpers/cookie-jar.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}.runtimes/node_modules/deno/deno`;
// examples/fetch.ts imports "sealed-session", which Deno resolves to the built dist/.
const built = existsSync(`${root}dist/index.js`);
const missing = !existsSync(deno)
  ? "Deno is not in .runtimes/ (npm run test:runtimes installs it)"
  : !built
    ? "dist/ is missing (npm run build)"
    : undefined;
if (missing && process.env.CI) throw new Error(missing);
if (missing) console.log(`skipping deno serve examples/fetch.ts: ${missing}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(missing)("deno serve", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it("serves examples/fetch.ts with env access to SESSION_SECRET and PORT only", async () => {
    const port = await freePort();
    let output = "";
    child = spawn(
      deno,
      ["serve", "--allow-env=SESSION_SECRET,PORT", "--host", "127.0.0.1", "--port", String(port), "examples/fetch.ts"],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SESSION_SECRET: "De4!mP9-lW2xQ7vR0bN5cK8zH3sD6gJ1tY",
          DENO_NO_UPDATE_CHECK: "1",
          DENO_NO_PROMPT: "1",
          NO_COLOR: "1",
        },
      },
    );
    for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += chunk));
    const url = `http://127.0.0.1:${port}/`;
    await expect
      .poll(
        async () => {
          if (child?.exitCode !== null) throw new Error(`deno exited: ${output}`);
          return fetch(url).then(
            (r) => r.status,
            () => 0,
          );
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(200);
    const jar = new CookieJar();
    const visits: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(url, jar.init());
      jar.store(response);
      visits.push(await response.json());
    }
    expect(visits).toEqual([{ visits: 1 }, { visits: 2 }]);
    expect(output).not.toMatch(/NotCapable|Requires env access/);
  });
});
