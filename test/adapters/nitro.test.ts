import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toWebHandler, useSession } from "../../src/index.ts";
import { unseal } from "../../src/seal/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import {
  createApp,
  freePort,
  inApp,
  missingPrerequisite,
  npmInstall,
  PASSWORD,
  packedTarball,
  type RunningApp,
  removeApp,
  serve,
} from "./built-app.ts";

/**
 * `sealed-session/nitro` in Nitro apps from npm: Nitro 2 (`nitropack`) and
 * Nitro 3 (`nitro`), installed with the packed tarball, built with their CLI
 * and served from `.output/server/index.mjs`. The routes import nothing: the
 * module decides where `useSession` & co. come from.
 */
const example = (path: string) => new URL(`../../examples/nitro/${path}`, import.meta.url);
const SESSION_FUNCTIONS = ["useSession", "getSession", "updateSession", "clearSession", "sealSession", "unsealSession"];

const variants = [
  {
    name: "Nitro 2 (nitropack)",
    deps: { nitropack: "^2.0.0" },
    cli: "nitropack",
    config: example("nitro.config.ts"),
  },
  {
    name: "Nitro 3 (nitro)",
    deps: { nitro: "^3.0.0" },
    cli: "nitro",
    // Nitro 3 turns auto-imports off by default; this app turns them on.
    config: [
      'import { defineNitroConfig } from "nitro/config";',
      "",
      'export default defineNitroConfig({ imports: {}, modules: ["sealed-session/nitro"] });',
      "",
    ].join("\n"),
  },
];

const missing = await missingPrerequisite();
if (missing && !process.env.CI) console.warn(`skipping the Nitro apps: ${missing}`);
const run = !missing || Boolean(process.env.CI);

describe.runIf(run).each(variants)("$name", (variant) => {
  let dir: string | undefined;
  let app: RunningApp;

  beforeAll(async () => {
    if (missing) throw new Error(`the Nitro apps cannot run: ${missing}`);
    dir = createApp("nitro-app", {
      "package.json": JSON.stringify({
        name: "nitro-app",
        private: true,
        type: "module",
        dependencies: { "sealed-session": `file:${await packedTarball()}` },
        devDependencies: variant.deps,
      }),
      "nitro.config.ts": variant.config,
      "routes/index.ts": example("routes/index.ts"),
    });
    await npmInstall(dir);
    await inApp(dir, "npx", ["--no-install", variant.cli, "build"]);
    app = await serve(dir, await freePort(), process.execPath, [".output/server/index.mjs"], {
      SESSION_SECRET: PASSWORD,
      NITRO_SESSION_PASSWORD: PASSWORD,
    });
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    removeApp(dir);
  });

  it("a route with no import writes a cookie that sealed-session's unseal opens", async () => {
    const jar = new CookieJar();
    expect(JSON.parse((await app.fetch("/", jar)).body)).toEqual({ visits: 1 });
    const payload = (await unseal(jar.cookies.get("h3")!, PASSWORD)) as { purpose?: string; data?: object };
    // h3 seals no purpose: this one is sealed-session's.
    expect(payload).toMatchObject({ purpose: "h3", data: { visits: 1 } });
    expect(JSON.parse((await app.fetch("/", jar)).body)).toEqual({ visits: 2 });
  });

  it("reads a cookie that sealed-session wrote elsewhere", async () => {
    const elsewhere = toWebHandler(async (event) => {
      await (await useSession<{ visits?: number }>(event, { password: PASSWORD })).update({ visits: 41 });
      return "ok";
    });
    const jar = new CookieJar();
    jar.store(await elsewhere(new Request("http://localhost/")));
    expect(JSON.parse((await app.fetch("/", jar)).body)).toEqual({ visits: 42 });
  });

  it("declares runtimeConfig.session.password, filled from NITRO_SESSION_PASSWORD", async () => {
    const jar = new CookieJar();
    const response = await app.fetch("/runtime-config", jar);
    expect(JSON.parse(response.body)).toEqual({ visits: 1 });
    expect(await unseal(jar.cookies.get("h3")!, PASSWORD)).toMatchObject({ data: { visits: 1 } });
  });

  it("resolves every auto-imported session function, and its generated type, to sealed-session", async () => {
    const answer = JSON.parse((await app.fetch("/manager", new CookieJar())).body);
    expect(answer).toEqual({ regenerate: "function", flash: "function", sameId: true });
    const types = readFileSync(join(dir!, ".nitro/types/nitro-imports.d.ts"), "utf8");
    for (const name of SESSION_FUNCTIONS) {
      // Nitro 2 writes `import('…/sealed-session/dist/index').name`, Nitro 3 `import('…/sealed-session')['name']`.
      const declaration = new RegExp(
        `const ${name}: typeof import\\('[^']*/sealed-session[^']*'\\)(\\['${name}'\\]|\\.${name})\n`,
      );
      expect(types).toMatch(declaration);
    }
  });
});

describe.runIf(run)("a fresh Nitro 3 app", () => {
  let dir: string | undefined;
  afterAll(() => removeApp(dir));

  it("gains no package but sealed-session and cookie-es when it adds sealed-session", async () => {
    if (missing) throw new Error(`the Nitro apps cannot run: ${missing}`);
    dir = createApp(undefined, {
      "package.json": JSON.stringify({
        name: "fresh",
        private: true,
        type: "module",
        dependencies: { nitro: "^3.0.0" },
      }),
    });
    await npmInstall(dir);
    const before = new Set((await inApp(dir, "npm", ["ls", "--all", "--parseable"])).split("\n"));
    await npmInstall(dir, [await packedTarball()]);
    const after = (await inApp(dir, "npm", ["ls", "--all", "--parseable"])).split("\n");
    const gained = after
      .filter((path) => !before.has(path))
      .map((path) => path.slice(path.lastIndexOf("node_modules/") + 13));
    expect(gained).toContain("sealed-session");
    expect(gained.filter((name) => name !== "sealed-session" && name !== "cookie-es")).toEqual([]);
  }, 300_000);
});
