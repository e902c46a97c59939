import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseSetCookie } from "cookie-es";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toWebHandler, useSession } from "../../src/index.ts";
import { unseal } from "../../src/seal/index.ts";
import type { SharedBuild } from "./app-cache.ts";
import { REACT_ROUTER_VARIANTS, type ReactRouterVariant, reactRouterApp, reactRouterEnv } from "./apps.ts";
import { NODE22 } from "./built-app.ts";
import { type RunningApp, serve, sh } from "./fixture-app.ts";
import { appsSkipped, CHROMIUM, CHROMIUM_ARGS, chromiumRun, SCREENSHOTS } from "./fixture-env.ts";

/**
 * sealed-session/react-router inside real React Router apps: the packed
 * package installed into a copy of test/adapters/fixtures/react-router-app
 * with the README's example files, built with React Router's Vite plugin
 * (`react-router build`, apps.ts, once per run) and served by
 * `react-router-serve`. React Router 7 runs on this Node (20+); React Router 8
 * needs Node 22, taken from .runtimes/ (`bash scripts/runtimes.sh node22`
 * installs it).
 */
const PASSWORD = "Rr7-fixture!kQ3xW7vM0bN2cL9zH4sG6fJ1pA";

const hasNode22 = existsSync(NODE22);
if (!hasNode22 && !process.env.CI && !appsSkipped) {
  console.warn("skipping React Router 8 (needs Node 22): run `bash scripts/runtimes.sh node22` to install it");
}
if (!hasNode22 && process.env.CI) throw new Error(`${NODE22} is missing: CI must install the runtimes first`);

const variants: ReactRouterVariant[] = REACT_ROUTER_VARIANTS.filter((variant) => variant.major === 7 || hasNode22);

/** The Cookie header a browser would send after these Set-Cookie lines (deletions dropped). */
function cookieAfter(response: Response, previous = ""): string {
  const jar = new Map(previous ? previous.split("; ").map((pair) => pair.split("=", 2) as [string, string]) : []);
  for (const line of response.headers.getSetCookie()) {
    const { name, value, maxAge } = parseSetCookie(line)!;
    if (maxAge === 0 || value === "") jar.delete(name);
    else jar.set(name, value);
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

describe.skipIf(appsSkipped).each(variants)(
  "React Router $major app (Vite plugin build, react-router-serve)",
  (variant) => {
    let built: SharedBuild | undefined;
    let app: RunningApp;

    beforeAll(async () => {
      built = await reactRouterApp(variant);
      app = await serve(built.dir, "node_modules/.bin/react-router-serve", () => ["./build/server/index.js"], {
        ...reactRouterEnv(variant),
        SESSION_SECRET: PASSWORD,
      });
    }, 600_000);

    afterAll(async () => {
      await app?.close();
      built?.release();
    }, 120_000);

    const get = (path: string, cookie = "") =>
      fetch(`${app.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
    const post = (path: string, form: Record<string, string>, cookie = "") =>
      fetch(`${app.url}${path}`, {
        method: "POST",
        body: new URLSearchParams(form),
        headers: cookie ? { cookie } : {},
        redirect: "manual",
      });

    it(`runs React Router ${variant.major} on Node ${variant.nodeDir ? 22 : "of this process"}`, async () => {
      const { node } = (await (await get("/api/session")).json()) as { node: string };
      if (variant.nodeDir) expect(node).toMatch(/^v22\./);
      else expect(node).toBe(process.version);
      const installed = await sh(built!.dir, "npm", ["ls", "react-router", "--depth=0"]);
      expect(installed).toContain(`react-router@${variant.major}.`);
    });

    it("a form signs in through an action; the loader shows the data and the flash once", async () => {
      const signIn = await post("/?index", { intent: "sign-in", user: "ada" });
      expect(signIn.status).toBe(302);
      const cookie = cookieAfter(signIn);
      const sealed = cookie.slice("app-session=".length);
      expect(await unseal(sealed, PASSWORD)).toMatchObject({
        data: { user: "ada", visits: 0, __flash_notice__: "Welcome, ada!" },
        purpose: "app-session",
      });

      const first = await get("/", cookie);
      const firstHtml = await first.text();
      expect(firstHtml).toContain('<b id="user">ada</b>');
      expect(firstHtml).toContain('<p id="notice">Welcome, ada!</p>');
      const afterFlash = cookieAfter(first, cookie);
      const reload = await (await get("/", afterFlash)).text();
      expect(reload).toContain('<b id="user">ada</b>');
      expect(reload).not.toContain('id="notice"');
    });

    it("counts, then destroySession expires the cookie and the loader is signed out", async () => {
      let cookie = cookieAfter(await post("/?index", { intent: "sign-in", user: "lin" }));
      const { id } = (await (await get("/api/session", cookie)).json()) as { id: string };
      for (let i = 0; i < 2; i++) cookie = cookieAfter(await post("/?index", { intent: "visit" }, cookie), cookie);
      expect(await (await get("/api/session", cookie)).json()).toMatchObject({ id, data: { user: "lin", visits: 2 } });

      const signOut = await post("/?index", { intent: "sign-out" }, cookie);
      const [line] = signOut.headers.getSetCookie();
      expect(parseSetCookie(line!)).toMatchObject({ name: "app-session", value: "", maxAge: 0, path: "/" });
      expect(cookieAfter(signOut, cookie)).toBe("");
      const signedOut = await get("/");
      expect(await signedOut.text()).toContain('name="user"');
      expect(signedOut.headers.getSetCookie()).toEqual([]);
    });

    it("a session too large for one cookie fails with ERR_SESSION_TOO_LARGE", async () => {
      const response = await post("/api/big", {});
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({
        code: "ERR_SESSION_TOO_LARGE",
        message: expect.stringMatching(/store/),
      });
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    it("reads a session sealed by another sealed-session server with the same config and name", async () => {
      const other = toWebHandler(async (event) => {
        await (await useSession(event, { password: PASSWORD, name: "app-session" })).update({
          user: "grace",
          visits: 7,
        });
        return null;
      });
      const cookie = cookieAfter(await other(new Request("http://localhost/")));
      const html = await (await get("/", cookie)).text();
      expect(html).toContain('<b id="user">grace</b>');
      expect(html).toContain('<span id="visits">7</span>');
    });

    describe.runIf(chromiumRun)("in Chromium", () => {
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

      const cookies = async () => (await page.context().cookies()).filter((c) => c.name === "app-session");

      it("signs in from a form, survives a reload, counts, signs out", async () => {
        // localhost: browsers keep a Secure cookie from plain http only there.
        await page.goto(app.url.replace("127.0.0.1", "localhost"));
        await page.getByLabel("Name").fill("Ada");
        await page.getByRole("button", { name: "Sign in" }).click();
        await expect.poll(() => page.locator("#user").textContent()).toBe("Ada");
        expect(await page.locator("#notice").textContent()).toBe("Welcome, Ada!");
        await page.reload();
        expect(await page.locator("#user").textContent()).toBe("Ada");
        expect(await page.locator("#notice").count()).toBe(0);
        await page.getByRole("button", { name: "Count a visit" }).click();
        await expect.poll(() => page.locator("#visits").textContent()).toBe("1");
        await page.reload();
        expect(await page.locator("#visits").textContent()).toBe("1");
        await page.screenshot({ path: join(SCREENSHOTS, `react-router-${variant.major}-signed-in.png`) });
        const [cookie] = await cookies();
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
        expect(await unseal(cookie!.value, PASSWORD)).toMatchObject({ data: { user: "Ada", visits: 1 } });

        await page.getByRole("button", { name: "Sign out" }).click();
        await expect.poll(() => page.getByLabel("Name").count()).toBe(1);
        expect(await cookies()).toEqual([]);
      }, 120_000);
    });
  },
);
