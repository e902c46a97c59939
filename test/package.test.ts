import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.ts";
import * as sealApi from "../src/seal/index.ts";

const dist = new URL("../dist/index.js", import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
// `npm test` builds first; in CI a missing build is a failure, not a skip.
if (process.env.CI && !existsSync(dist)) throw new Error("dist/ is missing: run `npm run build` before the tests");

describe("public surface", () => {
  it("exports exactly the curated list", () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_MEMORY_STORE_MAX",
        "DEFAULT_POSTGRES_POOL_OPTIONS",
        "DEFAULT_POSTGRES_TABLE",
        "DEFAULT_REDIS_OPTIONS",
        "DEFAULT_REDIS_PREFIX",
        "DEFAULT_SESSION_NAME",
        "DEFAULT_STORE_TIMEOUT_MS",
        "DEFAULT_UNSTORAGE_PREFIX",
        "HTTPError",
        "SessionError",
        "clearSession",
        "createEvent",
        "defineHandler",
        "eventHandler",
        "getSession",
        "isSessionError",
        "listUserSessions",
        "memoryStore",
        "postgresStore",
        "redisStore",
        "regenerateSession",
        "revokeUserSessions",
        "sealSession",
        "toNodeListener",
        "toWebHandler",
        "unsealSession",
        "unstorageStore",
        "updateSession",
        "useSession",
      ]
    `);
    expect(Object.keys(sealApi).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_ITERATIONS",
        "DEFAULT_SALT_REUSE_MS",
        "DEFAULT_SEAL_OPTIONS",
        "MAC_PREFIX",
        "SessionError",
        "isSessionError",
        "seal",
        "unseal",
      ]
    `);
  });

  it("lists types before default in every export condition", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    for (const [path, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (typeof target === "string") continue;
      expect(Object.keys(target as object)[0], path).toBe("types");
    }
  });
});

describe.runIf(existsSync(dist))("the built package in dist/", () => {
  it("ships only dist/, the README, the license and package.json", () => {
    const [pack] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }),
    ) as [{ files: { path: string }[] }];
    const stray = pack.files
      .map((f) => f.path)
      .filter((path) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(path));
    expect(stray).toEqual([]);
    expect(pack.files.some((f) => /\.test\.|^test\//.test(f.path))).toBe(false);
  });

  it("exports the same names as the sources", async () => {
    const built = await import(dist.href);
    expect(Object.keys(built).sort()).toEqual(Object.keys(api).sort());
    const builtSeal = await import(new URL("../dist/seal/index.js", import.meta.url).href);
    expect(Object.keys(builtSeal).sort()).toEqual(Object.keys(sealApi).sort());
  });

  it("loads every subpath entry from dist/ with the names of its source", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    for (const target of Object.values(pkg.exports as Record<string, string | { default: string }>)) {
      if (typeof target === "string") continue;
      const built = await import(new URL(`../${target.default}`, import.meta.url).href);
      const source = target.default.replace(/^\.\/dist\//, "../src/").replace(/\.js$/, ".ts");
      const sources = await import(new URL(source, import.meta.url).href);
      expect(Object.keys(built).sort(), target.default).toEqual(Object.keys(sources).sort());
    }
  });

  it("seals and serves a session", async () => {
    const built = (await import(dist.href)) as typeof api;
    const password = "Di5!tR8-kQ3xW7vM0bN2cL9zH4sG6fJ1pA";
    const handler = built.toWebHandler(async (event) => (await built.useSession(event, { password })).id);
    const response = await handler(new Request("http://localhost/"));
    expect(response.headers.getSetCookie()[0]).toMatch(/^h3=Fe26\.2\*/);
    const builtSeal = (await import(new URL("../dist/seal/index.js", import.meta.url).href)) as typeof sealApi;
    expect(await builtSeal.unseal(await builtSeal.seal({ a: 1 }, password), password)).toEqual({ a: 1 });
  });
});
