import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unseal } from "../../src/seal/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import type { SharedBuild } from "./app-cache.ts";
import { nextApp, REACT_ROUTER_VARIANTS, reactRouterApp, SVELTEKIT_VARIANTS, svelteKitApp } from "./apps.ts";
import { freePort, missingPrerequisite, serve as serveBuilt } from "./built-app.ts";
import { serve } from "./fixture-app.ts";
import { appsSkipped } from "./fixture-env.ts";

/**
 * One format everywhere, across running apps: a session the Next.js app
 * (`next start`) writes is read by the SvelteKit 2 app (adapter-node, its
 * /shared routes) and the React Router 7 app (`react-router-serve`), each
 * configured with `{ password, name: "app-session", maxAge: 7 days }`, and a
 * write by SvelteKit is read back by the other two. The builds are the ones
 * next.test.ts, sveltekit.test.ts and react-router-app.test.ts serve (apps.ts),
 * made once per run; all three run on Node 20+. One cookie jar plays the
 * browser: cookies ignore ports, so apps on one host all get the same cookie.
 */
const PASSWORD = "X-app-fixture!7Tq2Wm9Rb4Nc6Lz8Hs3Gf5Jd1Kp";
const SVELTEKIT_2 = SVELTEKIT_VARIANTS.find((variant) => variant.major === 2)!;
const REACT_ROUTER_7 = REACT_ROUTER_VARIANTS.find((variant) => variant.major === 7)!;

const missing = appsSkipped ? "SEALED_SESSION_SKIP_APPS is set" : await missingPrerequisite();
if (missing && !appsSkipped && !process.env.CI) console.warn(`skipping the cross-app reads: ${missing}`);

interface Running {
  readonly url: string;
  close(): Promise<void>;
}

describe.runIf(!missing || process.env.CI)("a session written by Next.js, read by SvelteKit and React Router", () => {
  const builds: SharedBuild[] = [];
  let next: Running;
  let svelteKit: Running;
  let reactRouter: Running;
  const env = { SESSION_SECRET: PASSWORD };

  beforeAll(async () => {
    if (missing) throw new Error(`the cross-app reads cannot run: ${missing}`);
    // One after the other: the machine may have two cores, and the other files may be building the same apps.
    const nextBuild = await nextApp();
    builds.push(nextBuild);
    next = await serve(
      nextBuild.dir,
      "node_modules/.bin/next",
      (port) => ["start", "-H", "127.0.0.1", "-p", `${port}`],
      env,
    );

    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const svelteKitBuild = await svelteKitApp(SVELTEKIT_2, origin);
    builds.push(svelteKitBuild);
    const served = await serveBuilt(svelteKitBuild.dir, port, SVELTEKIT_2.node, ["build"], { ...env, ORIGIN: origin });
    svelteKit = { url: `http://127.0.0.1:${port}`, close: () => served.close() };

    const reactRouterBuild = await reactRouterApp(REACT_ROUTER_7);
    builds.push(reactRouterBuild);
    reactRouter = await serve(
      reactRouterBuild.dir,
      "node_modules/.bin/react-router-serve",
      () => ["./build/server/index.js"],
      env,
    );
  }, 1_200_000);

  afterAll(async () => {
    await Promise.all([next, svelteKit, reactRouter].map((app) => app?.close()));
    for (const build of builds) build.release();
  }, 120_000);

  const browser = new CookieJar();
  const visit = async (app: Running, path: string, init: RequestInit = {}) => {
    const response = await fetch(app.url + path, browser.init({ ...init, redirect: "manual" }));
    const lines = browser.store(response);
    return { status: response.status, text: await response.text(), lines };
  };
  const sealed = async () =>
    (await unseal(browser.cookies.get("app-session")!, PASSWORD)) as { id: string; purpose: string; data: object };

  it("the cookie Next wrote shows the same session in SvelteKit and React Router; SvelteKit's write shows in both others", async () => {
    const signIn = await visit(next, "/api/sign-in", { method: "POST", body: new URLSearchParams({ user: "Ada" }) });
    expect(JSON.parse(signIn.text)).toEqual({ user: "Ada", visits: 0 });
    await visit(next, "/api/session", { method: "POST" });
    const { id, purpose, data } = await sealed();
    expect({ purpose, data }).toEqual({ purpose: "app-session", data: { user: "Ada", visits: 1 } });

    // SvelteKit: the load function renders it, the endpoint sees the same id, and nothing is rewritten.
    const page = await visit(svelteKit, "/shared");
    expect(page.text).toContain('<b id="user">Ada</b>');
    expect(page.text).toContain('<span id="visits">1</span>');
    expect(page.lines.filter((line) => line.startsWith("app-session"))).toEqual([]);
    expect(JSON.parse((await visit(svelteKit, "/shared/session")).text)).toEqual({
      id,
      data: { user: "Ada", visits: 1 },
    });

    // React Router: the loader renders it, the resource route sees the same id.
    const home = await visit(reactRouter, "/");
    expect(home.text).toContain('<b id="user">Ada</b>');
    expect(home.text).toContain('<span id="visits">1</span>');
    expect(home.lines).toEqual([]);
    expect(JSON.parse((await visit(reactRouter, "/api/session")).text)).toMatchObject({
      id,
      data: { user: "Ada", visits: 1 },
    });

    // And back: SvelteKit writes, Next's Server Component and React Router's loader read it.
    const counted = await visit(svelteKit, "/shared/session", { method: "POST" });
    expect(counted.lines.filter((line) => line.startsWith("app-session="))).toHaveLength(1);
    expect(await sealed()).toMatchObject({ id, data: { user: "Ada", visits: 2 } });
    expect((await visit(next, "/")).text).toMatch(/<b id="user">Ada<\/b>.*<span id="visits">2<\/span>/s);
    expect(JSON.parse((await visit(next, "/api/session")).text)).toEqual({ signedIn: true, user: "Ada", visits: 2 });
    expect((await visit(reactRouter, "/")).text).toContain('<span id="visits">2</span>');
  });
});
