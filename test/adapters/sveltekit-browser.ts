import { chromium } from "playwright-core";
import { expect } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS } from "../helpers/chromium.ts";

/**
 * The README's page in Chromium: its forms use SvelteKit's `use:enhance`, so
 * each action runs through fetch and the load function runs again; a reload
 * then shows what the cookie holds.
 */
export async function browserFlow(url: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sessionCookie = async () => (await context.cookies()).find((cookie) => cookie.name === "h3");

    await page.goto(url);
    await page.getByLabel("Name").fill("Ada");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#user").textContent()).toBe("Ada");
    expect((await sessionCookie())?.value).toMatch(/^Fe26\.2\*/);

    await page.reload();
    expect(await page.locator("#user").textContent()).toBe("Ada");
    await page.getByRole("button", { name: "Visit" }).click();
    await expect.poll(() => page.locator("#visits").textContent()).toBe("1");
    await page.reload();
    expect(await page.locator("#visits").textContent()).toBe("1");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Sign in" }).count()).toBe(1);
    expect(await sessionCookie()).toBeUndefined();
    // The app's own cookie, set through event.cookies on every request, is still there.
    expect((await context.cookies()).find((cookie) => cookie.name === "theme")?.value).toBe("dark");
    await page.reload();
    expect(await page.getByRole("button", { name: "Sign in" }).count()).toBe(1);
  } finally {
    await browser.close();
  }
}

export { CHROMIUM };
