import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toWebHandler, useSession } from "../../src/index.ts";
import { unseal } from "../../src/seal/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import {
  createApp,
  freePort,
  inApp,
  missingPrerequisite,
  NODE22,
  npmInstall,
  PASSWORD,
  packedTarball,
  type RunningApp,
  removeApp,
  serve,
} from "./built-app.ts";
import { appsSkipped } from "./fixture-env.ts";

/**
 * `sealed-session/nitro` in a Nuxt app from npm (Nuxt 4 runs on Nitro 2 and
 * needs Node 22): the README's nuxt.config.ts and server route, installed with
 * the packed tarball, built with `nuxt build`, served from
 * `.output/server/index.mjs`. No server file imports a session function, and
 * the page reads the session during server rendering through `useFetch`.
 */
const example = (path: string) => new URL(`../../examples/nuxt/${path}`, import.meta.url);
const SESSION_FUNCTIONS = ["useSession", "getSession", "updateSession", "clearSession", "sealSession", "unsealSession"];
const OTHER_PASSWORD = "Nitro-env-9Vb3Lq7Wz2Kx5Rm8Tn4Hc6Jd1Fs0Gp";

const missing = appsSkipped ? "SEALED_SESSION_SKIP_APPS is set" : await missingPrerequisite({ node22: true });
if (missing && !appsSkipped && !process.env.CI) console.warn(`skipping the Nuxt app: ${missing}`);

describe.runIf(!missing || process.env.CI)("sealed-session/nitro in a Nuxt 4 app (nuxt build, .output/server)", () => {
  let dir: string | undefined;
  let app: RunningApp;
  const path = { PATH: `${dirname(NODE22)}:${process.env.PATH}` };

  beforeAll(async () => {
    if (missing) throw new Error(`the Nuxt app cannot run: ${missing}`);
    dir = createApp("nuxt-app", {
      "package.json": JSON.stringify({
        name: "nuxt-app",
        private: true,
        type: "module",
        dependencies: { nuxt: "^4.0.0", "sealed-session": `file:${await packedTarball()}` },
        devDependencies: { typescript: "~5.9.0" },
      }),
      "nuxt.config.ts": example("nuxt.config.ts"),
      "server/api/session.ts": example("server/api/session.ts"),
    });
    await npmInstall(dir);
    await inApp(dir, NODE22, ["node_modules/nuxt/bin/nuxt.mjs", "build"], { ...path, NUXT_TELEMETRY_DISABLED: "1" });
    // The password reaches the route only through runtimeConfig.session.password.
    app = await serve(dir, await freePort(), NODE22, [".output/server/index.mjs"], { NUXT_SESSION_PASSWORD: PASSWORD });
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    removeApp(dir);
  });

  const sessionIn = async (jar: CookieJar, password = PASSWORD) => {
    const token = jar.cookies.get("app-session");
    if (!token) throw new Error("no session cookie in the jar");
    return (await unseal(token, password)) as { id: string; purpose?: string; data: object };
  };

  it("a route with no import signs in, the page shows it after reload, updates, signs out", async () => {
    const jar = new CookieJar();
    const anonymous = await app.fetch("/", jar);
    expect(anonymous.body).toContain('<p id="signed-out">');
    expect(anonymous.lines).toEqual([]);

    const signIn = await app.fetch("/api/session", jar, { method: "POST", body: JSON.stringify({ user: "Ada" }) });
    expect(JSON.parse(signIn.body)).toEqual({ user: "Ada", visits: 0 });
    expect(signIn.lines[0]).toMatch(/^app-session=Fe26\.2\*[^;]*; .*HttpOnly/);
    // h3 seals no purpose: this cookie is sealed-session's.
    const { id, ...signedIn } = await sessionIn(jar);
    expect(signedIn).toMatchObject({ purpose: "app-session", data: { user: "Ada", visits: 0 } });

    for (let reload = 0; reload < 2; reload++) {
      const page = await app.fetch("/", jar);
      expect(page.body).toContain('<b id="user">Ada</b>');
      expect(page.body).toContain('<span id="visits">0</span>');
    }
    await app.fetch("/api/session", jar, { method: "PATCH" });
    const counted = await app.fetch("/api/session", jar, { method: "PATCH" });
    expect(JSON.parse(counted.body)).toEqual({ user: "Ada", visits: 2 });
    expect((await app.fetch("/", jar)).body).toContain('<span id="visits">2</span>');
    expect((await sessionIn(jar)).id).toBe(id);

    const signOut = await app.fetch("/api/session", jar, { method: "DELETE" });
    expect(signOut.lines[0]).toMatch(/^app-session=;.*Max-Age=0/);
    expect(jar.cookies.has("app-session")).toBe(false);
    expect((await app.fetch("/", jar)).body).toContain('<p id="signed-out">');
  });

  it("the page and the route read a cookie that sealed-session wrote elsewhere", async () => {
    const elsewhere = toWebHandler(async (event) => {
      const session = await useSession(event, { password: PASSWORD, name: "app-session" });
      await session.update({ user: "Grace", visits: 7 });
      return "ok";
    });
    const jar = new CookieJar();
    jar.store(await elsewhere(new Request("http://localhost/")));
    const page = await app.fetch("/", jar);
    expect(page.body).toContain('<b id="user">Grace</b>');
    expect(page.body).toContain('<span id="visits">7</span>');
    expect(JSON.parse((await app.fetch("/api/session", jar, { method: "PATCH" })).body)).toEqual({
      user: "Grace",
      visits: 8,
    });
  });

  it("resolves every auto-imported session function, and its type, to sealed-session", async () => {
    expect(await inApp(dir!, "npm", ["ls", "nuxt", "--depth=0"])).toContain("nuxt@4.");
    const answer = JSON.parse((await app.fetch("/api/manager", new CookieJar())).body);
    expect(answer).toEqual({ regenerate: "function", flash: "function", sameId: true });
    const types = readFileSync(join(dir!, ".nuxt/types/nitro-imports.d.ts"), "utf8");
    for (const name of SESSION_FUNCTIONS) {
      expect(types).toMatch(new RegExp(`const ${name}: typeof import\\('[^']*/sealed-session[^']*'\\)\\.${name}\n`));
    }
    // The example calls session.regenerate(), which h3's SessionManager lacks: it typechecks only with ours.
    await inApp(dir!, NODE22, ["node_modules/typescript/bin/tsc", "-p", ".nuxt/tsconfig.server.json"], {}, 120_000);
  }, 150_000);

  it("takes runtimeConfig.session.password from NITRO_SESSION_PASSWORD too", async () => {
    const other = await serve(dir!, await freePort(), NODE22, [".output/server/index.mjs"], {
      NITRO_SESSION_PASSWORD: OTHER_PASSWORD,
    });
    try {
      const jar = new CookieJar();
      await other.fetch("/api/session", jar, { method: "POST", body: JSON.stringify({ user: "Lin" }) });
      expect(await sessionIn(jar, OTHER_PASSWORD)).toMatchObject({ data: { user: "Lin", visits: 0 } });
      await expect(sessionIn(jar)).rejects.toThrow();
    } finally {
      await other.close();
    }
  });
});
