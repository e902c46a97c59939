import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseSetCookie } from "cookie-es";
import { sealData } from "iron-session";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSealedSessionStorage } from "../../src/adapters/react-router.ts";
import { toWebHandler, useSession } from "../../src/index.ts";
import { unseal } from "../../src/seal/index.ts";
import type { SharedBuild } from "./app-cache.ts";
import { nextApp } from "./apps.ts";
import { type RunningApp, serve } from "./fixture-app.ts";
import { appsSkipped, CHROMIUM, CHROMIUM_ARGS, chromiumRun, SCREENSHOTS } from "./fixture-env.ts";

/**
 * sealed-session/next inside a real Next.js app: the packed package installed
 * into a copy of test/adapters/fixtures/next-app with the README's example
 * files (examples/next/), `next build` (apps.ts, once per run), then
 * `next start`, driven over HTTP and, for the Server Action forms, in Chromium.
 */
const PASSWORD = "Nx7-fixture!kQ3xW7vM0bN2cL9zH4sG6fJ1pA";
const OLD_PASSWORD = "Nx6-retired!Lp4yX8wN1cM3dK0aJ5tH7gE2qB";
const config = { password: PASSWORD, name: "app-session" };

type Json = Record<string, unknown>;

/** The Cookie header a browser would send back after these Set-Cookie lines (deletions dropped). */
function cookieHeader(lines: string[], previous = ""): string {
  const jar = new Map(previous ? previous.split("; ").map((pair) => pair.split("=", 2) as [string, string]) : []);
  for (const line of lines) {
    const { name, value, maxAge } = parseSetCookie(line)!;
    if (maxAge === 0 || value === "") jar.delete(name);
    else jar.set(name, value);
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

describe.skipIf(appsSkipped)("sealed-session/next in a Next.js app (next build && next start)", () => {
  let built: SharedBuild | undefined;
  let app: RunningApp;

  beforeAll(async () => {
    built = await nextApp();
    app = await serve(built.dir, "node_modules/.bin/next", (port) => ["start", "-H", "127.0.0.1", "-p", String(port)], {
      SESSION_SECRET: PASSWORD,
      OLD_SESSION_SECRET: OLD_PASSWORD,
    });
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    built?.release();
  }, 120_000);

  const get = (path: string, cookie = "", init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, { ...init, headers: { ...(cookie ? { cookie } : {}) }, redirect: "manual" });

  it("a Route Handler writes the session; the cookie is an iron seal that sealed-session opens", async () => {
    const anonymous = await get("/api/session");
    expect(await anonymous.json()).toEqual({ signedIn: false });
    expect(anonymous.headers.getSetCookie()).toEqual([]);

    const first = await get("/api/session", "", { method: "POST" });
    expect(await first.json()).toEqual({ visits: 1 });
    const [line] = first.headers.getSetCookie();
    expect(line).toMatch(/^app-session=Fe26\.2\*/);
    expect(line).toMatch(/HttpOnly/i);
    const opened = (await unseal(parseSetCookie(line!)!.value, PASSWORD)) as { data: Json; purpose: string };
    expect(opened).toMatchObject({ data: { visits: 1 }, purpose: "app-session" });

    const cookie = cookieHeader(first.headers.getSetCookie());
    const second = await get("/api/session", cookie, { method: "POST" });
    expect(await second.json()).toEqual({ visits: 2 });
  });

  it("a Server Component renders the session a Route Handler wrote, on every reload", async () => {
    const write = await get("/api/session", "", { method: "POST" });
    const cookie = cookieHeader(write.headers.getSetCookie());
    const iron = await sealData({ user: "ada", visits: 5 }, { password: PASSWORD });
    // A signed-in session: the iron-session cookie below is adopted the same way.
    for (let i = 0; i < 2; i++) {
      const page = await (await get("/", `app-session=${iron}`)).text();
      expect(page).toContain('<b id="user">ada</b>');
      expect(page).toMatch(/<span id="visits">5<\/span>/);
    }
    const signedOut = await get("/", cookie);
    expect(await signedOut.text()).toContain('name="user"');
    expect(signedOut.headers.getSetCookie()).toEqual([]);
  });

  it("a Server Component that calls update, clear or regenerate gets ERR_READ_ONLY, and nothing is written", async () => {
    const write = await get("/api/session", "", { method: "POST" });
    const cookie = cookieHeader(write.headers.getSetCookie());
    const response = await get("/readonly", cookie);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<p id="visits">1</p>');
    for (const verb of ["update", "clear", "regenerate"]) {
      expect(html).toMatch(
        new RegExp(`<li>${verb}: ERR_READ_ONLY [^<]*read-only[^<]*Server Action or a Route Handler</li>`),
      );
    }
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("a Server Component reads a cookie sealed under a rotated-out password; the reseal it skips goes to onError", async () => {
    const before = toWebHandler(async (event) => {
      const old = await useSession(event, { password: { id: "old", secret: OLD_PASSWORD }, name: "app-session" });
      await old.update({ user: "ada", visits: 4 });
      return null;
    });
    const cookie = cookieHeader((await before(new Request("http://localhost/"))).headers.getSetCookie());
    expect(cookie).toMatch(/^app-session=Fe26\.2\*old\*/);
    for (let reload = 0; reload < 2; reload++) {
      const response = await get("/rotated", cookie);
      const html = await response.text();
      expect(html).toContain('<b id="user">ada</b>');
      expect(html).toMatch(/<span id="visits">4<\/span>/);
      expect(html).toContain('<p id="reported">ERR_READ_ONLY</p>');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it("a session too large for one cookie is written in chunks and read back whole", async () => {
    const write = await get("/api/big?size=9000", "", { method: "POST" });
    expect(await write.json()).toEqual({ length: 9000 });
    const lines = write.headers.getSetCookie().map((line) => parseSetCookie(line)!);
    const chunks = lines.length - 1;
    expect(chunks).toBeGreaterThanOrEqual(2);
    const chunkNames = Array.from({ length: chunks }, (_, i) => `app-session.${i + 1}`);
    expect(lines.map((c) => c.name)).toEqual(["app-session", ...chunkNames]);
    expect(lines[0]!.value).toBe(`__chunked__${chunks}`);
    const cookie = cookieHeader(write.headers.getSetCookie());
    const read = await get("/api/session", cookie, { method: "POST" });
    expect(((await read.json()) as Json).big).toHaveLength(9000);

    // Smaller again: the stale chunks are deleted.
    const shrink = await get("/api/big?size=10", cookie, { method: "POST" });
    const after = shrink.headers.getSetCookie().map((line) => parseSetCookie(line)!);
    expect(after.filter((c) => c.maxAge === 0).map((c) => c.name)).toEqual(chunkNames);
    expect(cookieHeader(shrink.headers.getSetCookie(), cookie)).toMatch(/^app-session=Fe26\.2\*[^;]*$/);
  });

  it("with a store, the cookie holds a sealed reference and clear() revokes it", async () => {
    const note = "n".repeat(20_000);
    const write = await get("/api/store", "", { method: "POST", body: note });
    const { id } = (await write.json()) as { id: string };
    const [line] = write.headers.getSetCookie();
    const sealed = parseSetCookie(line!)!;
    expect(sealed.name).toBe("stored");
    expect(sealed.value.length).toBeLessThan(400);
    expect(await unseal(sealed.value, PASSWORD)).toMatchObject({ id, ref: true });
    const cookie = `stored=${sealed.value}`;
    expect(await (await get("/api/store", cookie)).json()).toEqual({ id, note });

    const clear = await get("/api/store", cookie, { method: "DELETE" });
    expect(parseSetCookie(clear.headers.getSetCookie()[0]!)).toMatchObject({ name: "stored", maxAge: 0 });
    // The old cookie replayed: the record is gone.
    expect(((await (await get("/api/store", cookie)).json()) as { note: unknown }).note).toBeNull();
  });

  it("adopts an iron-session cookie: a Route Handler reads it and reseals it in this library's format", async () => {
    const iron = await sealData({ user: "grace", visits: 2 }, { password: PASSWORD });
    expect(iron).toMatch(/~2$/);
    const response = await get("/api/session", `app-session=${iron}`);
    expect(await response.json()).toEqual({ signedIn: true, user: "grace", visits: 2 });
    const [line] = response.headers.getSetCookie();
    const resealed = parseSetCookie(line!)!.value;
    expect(resealed).not.toMatch(/~\d+$/);
    expect(await unseal(resealed, PASSWORD)).toMatchObject({ data: { user: "grace", visits: 2 } });
  });

  it("Edge middleware (WebCrypto) reads request.cookies and writes response.cookies", async () => {
    const first = await get("/api/edge");
    expect(first.headers.get("x-edge-visits")).toBe("1");
    const cookie = cookieHeader(first.headers.getSetCookie());
    const second = await get("/api/edge", cookie);
    expect(second.headers.get("x-edge-visits")).toBe("2");
    expect(await unseal(cookie.slice("app-session=".length), PASSWORD)).toMatchObject({ data: { edgeVisits: 1 } });
  });

  it("a session the Next app wrote is read by the React Router storage with the same config", async () => {
    const iron = await sealData({ user: "lin" }, { password: PASSWORD });
    const write = await get("/api/session", `app-session=${iron}`, { method: "POST" });
    const session = await createSealedSessionStorage(config).getSession(cookieHeader(write.headers.getSetCookie()));
    expect(session.data).toEqual({ user: "lin", visits: 1 });
  });

  describe.runIf(chromiumRun)("Server Action forms in Chromium", () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium`);
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await (await browser.newContext()).newPage();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    }, 60_000);

    const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `next-${name}.png`) });
    const sessionCookies = async () =>
      (await page.context().cookies()).filter((c) => /^app-session(\.\d+)?$/.test(c.name));

    it("signs in through a Server Action, survives a reload, counts, signs out", async () => {
      // localhost, not 127.0.0.1: the cookie is Secure, which browsers accept on plain http only for localhost.
      await page.goto(app.url.replace("127.0.0.1", "localhost"));
      expect(await sessionCookies()).toEqual([]);
      await page.getByLabel("Name").fill("Ada");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.locator("#user").textContent()).toBe("Ada");
      await shot("01-signed-in");
      const [cookie] = await sessionCookies();
      expect(cookie).toMatchObject({ name: "app-session", httpOnly: true, sameSite: "Lax" });
      const signedInId = ((await unseal(cookie!.value, PASSWORD)) as { id: string }).id;

      await page.reload();
      expect(await page.locator("#user").textContent()).toBe("Ada");
      for (let i = 1; i <= 2; i++) {
        await page.getByRole("button", { name: "Count a visit" }).click();
        await expect.poll(() => page.locator("#visits").textContent()).toBe(String(i));
      }
      await page.reload();
      expect(await page.locator("#visits").textContent()).toBe("2");
      await shot("02-counted");
      const [counted] = await sessionCookies();
      expect(((await unseal(counted!.value, PASSWORD)) as { id: string }).id).toBe(signedInId);

      await page.getByRole("button", { name: "Sign out" }).click();
      await expect.poll(() => page.getByLabel("Name").count()).toBe(1);
      expect(await sessionCookies()).toEqual([]);
      await page.reload();
      expect(await page.getByLabel("Name").count()).toBe(1);
      await shot("03-signed-out");
    }, 120_000);
  });
});
