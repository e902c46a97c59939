import { existsSync, mkdirSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDemo, startDemo } from "../../examples/demo/app.ts";
import { CHROMIUM, CHROMIUM_ARGS } from "../helpers/chromium.ts";
import { redisUrlOrSkip } from "../store/redis-env.ts";

/**
 * The demo in a real browser: Debian's Chromium driven by playwright-core.
 * Each step leaves a screenshot in test-results/screenshots/. In CI a missing
 * Chromium fails the run (.ci/run installs it); elsewhere the suite is skipped.
 */
const SCREENSHOTS = new URL("../../test-results/screenshots/", import.meta.url);
const PASSWORD = "Br0w5er-e2e-9f3K2xQ7vR0bN5cL8zHmT4w";

const hasChromium = existsSync(CHROMIUM);
const run = hasChromium || Boolean(process.env.CI);
if (!run) console.warn(`skipping the browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);

describe.runIf(run)("the demo in Chromium", () => {
  let demo: RunningDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let sessionId: string | null;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium package`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    demo = await startDemo({ port: 0, password: PASSWORD, log: () => {} });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it("signs in, and the data survives a reload", async () => {
    await page.goto(demo.url);
    await shot(page, "01-signed-out");
    expect(await demoCookies(context)).toEqual([]);

    await page.getByLabel("Name").fill("Ada");
    await page.getByLabel("Role").selectOption("admin");
    await submit(page, page.getByRole("button", { name: "Sign in" }));
    expect(await page.locator("#user-name").textContent()).toBe("Ada");
    sessionId = await page.locator("#session-id").textContent();
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await shot(page, "02-signed-in");

    await submit(page, page.getByRole("button", { name: "+1" }));
    await submit(page, page.getByRole("button", { name: "+1" }));
    await page.reload();
    expect(await page.locator("#user-name").textContent()).toBe("Ada");
    expect(await page.locator("#count").textContent()).toBe("2");
    expect(await page.locator("#session-id").textContent()).toBe(sessionId);
    // The panel: age counting up, both expiry countdowns counting down, cookie sizes.
    const endsIn = Number(await page.locator("#ends-in").getAttribute("data-until"));
    const maxAgeIn = Number(await page.locator("#max-age-in").getAttribute("data-until"));
    expect(endsIn).toBeGreaterThan(Date.now());
    expect(maxAgeIn).toBeGreaterThanOrEqual(endsIn);
    expect(await page.locator("#ends-in").textContent()).toMatch(/^\d+ (min \d+ )?s$/);
    expect(await page.locator("[data-since]").textContent()).toMatch(/^\d+ (min \d+ )?s$/);
    expect(Number((await page.locator("#session-bytes").textContent())?.split(" ")[0])).toBeGreaterThan(100);
    expect(await page.locator("#chunk-count").textContent()).toBe("0");
    const before = await page.locator("#ends-in").textContent();
    await page.waitForFunction((text) => document.querySelector("#ends-in")?.textContent !== text, before, {
      timeout: 5000,
    });
    await shot(page, "03-reloaded");
  });

  it("keeps the session out of reach of page scripts (HttpOnly)", async () => {
    const visible = await page.evaluate(() => document.cookie);
    expect(visible).not.toMatch(/(^|; )demo=/);
    const [cookie] = await demoCookies(context);
    expect(cookie).toMatchObject({ name: "demo", httpOnly: true, sameSite: "Lax", secure: false });
    expect(cookie?.value).toMatch(/^Fe26\.2\*/);
    await shot(page, "04-httponly");
  });

  it("splits a cart past 4 KB into chunks that survive a reload", async () => {
    await submit(page, page.getByRole("button", { name: "Add 50" }));
    await page.reload();
    expect(await page.locator("#cart-count").textContent()).toBe("50 item(s)");
    expect(await page.locator("#session-id").textContent()).toBe(sessionId);
    expect(Number(await page.locator("#chunk-count").textContent())).toBeGreaterThanOrEqual(2);

    const cookies = await demoCookies(context);
    const names = cookies.map((c) => c.name).sort();
    expect(names).toEqual(["demo", ...names.filter((n) => n !== "demo")]);
    expect(cookies.find((c) => c.name === "demo")?.value).toMatch(/^__chunked__\d+$/);
    expect(names).toContain("demo.1");
    expect(names).toContain("demo.2");
    const bytes = cookies.reduce((sum, c) => sum + c.name.length + 1 + c.value.length, 0);
    expect(bytes).toBeGreaterThan(4096);
    expect(cookies.every((c) => c.httpOnly)).toBe(true);
    await page.locator("#cart").scrollIntoViewIfNeeded();
    await shot(page, "05-cart-chunked");
  });

  it("signs out: every session cookie is gone", async () => {
    await submit(page, page.getByRole("button", { name: "Sign out", exact: true }));
    expect(page.url()).toMatch(/\?signed-out$/);
    expect(await demoCookies(context)).toEqual([]);
    await page.reload();
    expect(await page.getByRole("button", { name: "Sign in" }).isVisible()).toBe(true);
    await shot(page, "06-signed-out-again");
  });
});

// Skipped, with one line saying why, when Redis is missing; on CI a missing Redis fails the suite instead.
let redisUrl: string | undefined;
let redisMissing: unknown;
if (run) {
  try {
    redisUrl = await redisUrlOrSkip();
  } catch (error) {
    redisMissing = error;
  }
}

describe.runIf(redisUrl !== undefined || redisMissing !== undefined)(
  "sign out everywhere, with Redis, across two browser profiles",
  () => {
    let demo: RunningDemo;
    let browser: Browser;

    beforeAll(async () => {
      if (redisMissing !== undefined) throw redisMissing;
      if (!hasChromium) throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium package`);
      mkdirSync(SCREENSHOTS, { recursive: true });
      demo = await startDemo({ port: 0, password: PASSWORD, redisUrl, log: () => {} });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });

    afterAll(async () => {
      await browser?.close();
      await demo?.close();
    });

    it("revokes the other profile's session too", async () => {
      // Two contexts share nothing, like two browser profiles; a fresh name keeps reruns apart.
      const name = `Grace-${Date.now().toString(36)}`;
      const [first, second] = await Promise.all([browser.newContext(), browser.newContext()]);
      const pages = await Promise.all([first.newPage(), second.newPage()]);
      for (const page of pages) {
        await page.goto(demo.url);
        await page.getByLabel("Name").fill(name);
        await submit(page, page.getByRole("button", { name: "Sign in" }));
      }
      const [a, b] = pages as [Page, Page];
      await a.reload();
      await shot(a, "07-store-two-profiles");
      await submit(a, a.getByRole("button", { name: "Sign out everywhere (2)" }));
      expect(a.url()).toMatch(/\?revoked=2$/);
      expect(await demoCookies(first)).toEqual([]);

      await b.reload();
      expect(await b.getByRole("button", { name: "Sign in" }).isVisible()).toBe(true);
      expect(await b.getByRole("status").first().textContent()).toContain("ERR_STORE_MISSING");
      await shot(b, "08-store-revoked-elsewhere");
    });
  },
);

/** Clicks a form button and waits for the post/redirect/get round trip to load. */
async function submit(page: Page, button: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), button.click()]);
}

/** The session's cookies (`demo`, `demo.N`) the browser holds. */
async function demoCookies(context: BrowserContext) {
  return (await context.cookies()).filter((cookie) => /^demo(\.\d+)?$/.test(cookie.name));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}
