import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toWebHandler, useSession } from "../../src/index.ts";
import { unseal } from "../../src/seal/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import type { SharedBuild } from "./app-cache.ts";
import { SVELTEKIT_VARIANTS, svelteKitApp } from "./apps.ts";
import { freePort, inApp, missingPrerequisite, PASSWORD, type RunningApp, serve } from "./built-app.ts";
import { browserFlow, CHROMIUM } from "./sveltekit-browser.ts";

/**
 * `sealed-session/sveltekit` in SvelteKit apps from npm, installed with the
 * packed tarball, built with `vite build` (adapter-node, apps.ts) and served
 * with `node build`: the README's hook, app.d.ts and page, plus an endpoint.
 * SvelteKit 3 (the current major) needs Node 22; SvelteKit 2 runs on Node 20.
 */
const missing = await missingPrerequisite({ node22: true });
if (missing && !process.env.CI) console.warn(`skipping the SvelteKit apps: ${missing}`);
const hasChromium = existsSync(CHROMIUM);
if (!missing && !hasChromium && !process.env.CI) {
  console.warn(`skipping the SvelteKit browser test: ${CHROMIUM} is missing (apt-get install chromium)`);
}

describe.runIf(!missing || process.env.CI).each(SVELTEKIT_VARIANTS)("$name", (variant) => {
  let built: SharedBuild | undefined;
  let app: RunningApp;

  beforeAll(async () => {
    if (missing) throw new Error(`the SvelteKit apps cannot run: ${missing}`);
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    built = await svelteKitApp(variant, origin);
    app = await serve(built.dir, port, variant.node, ["build"], { SESSION_SECRET: PASSWORD, ORIGIN: origin });
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    built?.release();
  });

  it("typechecks: the hook fits Handle and sequence, locals.session is typed by App.Locals", async () => {
    await inApp(built!.dir, variant.node, ["node_modules/typescript/bin/tsc", "-p", "."], {}, 120_000);
  }, 150_000);

  it("signs in from a form action, shows the data after reload, updates, signs out", async () => {
    const jar = new CookieJar();
    const anonymous = await app.fetch("/", jar);
    expect(anonymous.lines.some((line) => line.startsWith("h3="))).toBe(false);
    expect(anonymous.body).toContain("Sign in");

    const signIn = await app.post("/?/signIn", jar, { user: "Ada" });
    expect(signIn.status).toBe(200);
    // The app's own cookie (set by its hook through event.cookies) and the session's, side by side.
    expect(signIn.lines.find((line) => line.startsWith("theme="))).toMatch(/^theme=dark; Path=\//);
    expect(await sessionIn(jar)).toMatchObject({ data: { user: "Ada", visits: 0 } });

    const reload = await app.fetch("/", jar);
    expect(reload.body).toContain('<b id="user">Ada</b>');
    await app.post("/?/visit", jar, {});
    await app.post("/?/visit", jar, {});
    expect((await app.fetch("/", jar)).body).toMatch(/<span id="visits">2<\/span>/);

    const signOut = await app.post("/?/signOut", jar, {});
    expect(signOut.lines.find((line) => line.startsWith("h3="))).toMatch(/Max-Age=0/);
    expect(jar.cookies.has("h3")).toBe(false);
    expect((await app.fetch("/", jar)).body).toContain("Sign in");
  });

  it("lands writes the endpoint did not await, next to the app's own cookies.set", async () => {
    const jar = new CookieJar();
    await app.post("/?/signIn", jar, { user: "Ada" });
    const { id } = (await sessionIn(jar)) as { id: string };
    const response = await app.fetch("/api/session", jar, { method: "POST", body: JSON.stringify({ user: "Bob" }) });
    expect(response.status).toBe(200);
    expect(response.lines.find((line) => line.startsWith("last-user="))).toMatch(/^last-user=Bob; Path=\//);
    expect(response.lines.filter((line) => line.startsWith("h3="))).toHaveLength(1);
    expect(await sessionIn(jar)).toMatchObject({ id, data: { user: "Bob", visits: 10 } });
    const read = await app.fetch("/api/session", jar);
    expect(JSON.parse(read.body)).toEqual({ id, data: { user: "Bob", visits: 10 } });
  });

  it("reads a session sealed by sealed-session elsewhere, and shrugs off a tampered one", async () => {
    const elsewhere = toWebHandler(async (event) => {
      await (await useSession(event, { password: PASSWORD })).update({ user: "Grace", visits: 7 });
      return "ok";
    });
    const jar = new CookieJar();
    jar.store(await elsewhere(new Request("http://localhost/")));
    const read = await app.fetch("/api/session", jar);
    expect(JSON.parse(read.body)).toMatchObject({ data: { user: "Grace", visits: 7 } });

    const { id } = JSON.parse(read.body) as { id: string };
    jar.cookies.set("h3", `${jar.cookies.get("h3")!.slice(0, -4)}AAAA`);
    const tampered = await app.fetch("/api/session", jar);
    expect(tampered.status).toBe(200);
    const fresh = JSON.parse(tampered.body) as { id: string; data: object };
    expect(fresh.data).toEqual({});
    expect(fresh.id).not.toBe(id);
    expect(app.output()).not.toMatch(/Error/);
  });

  it("lands a write that ends after SvelteKit generated its response (a 100 ms store)", async () => {
    const jar = new CookieJar();
    const posted = await app.fetch("/slow", jar, { method: "POST", body: JSON.stringify({ note: "late" }) });
    expect(posted.status).toBe(200);
    expect(posted.lines.filter((line) => line.startsWith("slow="))).toHaveLength(1);
    expect(JSON.parse((await app.fetch("/slow", jar)).body)).toMatchObject({ data: { note: "late" } });
  });

  it("reports a write started after the response went as ERR_HEADERS_SENT, and keeps serving", async () => {
    const reported = async () => JSON.parse((await app.fetch("/slow", new CookieJar())).body).reported as string[];
    expect(await reported()).not.toContain("ERR_HEADERS_SENT");
    await app.fetch("/slow", new CookieJar(), { method: "PUT" });
    await expect.poll(reported, { timeout: 5000 }).toContain("ERR_HEADERS_SENT");
    expect(app.output()).not.toMatch(/Error/);
  });

  it.runIf(variant.browser && (hasChromium || process.env.CI))(
    "works from a browser form: sign in, reload, update, sign out (Chromium)",
    async () => {
      if (!hasChromium) throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium package`);
      await browserFlow(app.url);
    },
    120_000,
  );
});

async function sessionIn(jar: CookieJar): Promise<unknown> {
  const token = jar.cookies.get("h3");
  if (!token) throw new Error("no session cookie in the jar");
  return unseal(token, PASSWORD);
}
