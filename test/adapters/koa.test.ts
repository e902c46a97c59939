import Koa from "koa";
import Koa2 from "koa-2";
import { type KoaSessionData, session } from "sealed-session/koa";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import type { SessionErrorCode } from "../../src/errors.ts";
import { memoryStore, type SessionConfig, type SessionManager } from "../../src/index.ts";
import { downStore } from "../helpers/down-store.ts";
import { Browser, type Served, serve, signInToSignOut } from "./http.ts";

const password = "Ko4!vR8-kQ3zW7mM0bN2cL9tH4sG6fJ1aE";

type Config = SessionConfig<KoaSessionData>;
type Context = Koa.ParameterizedContext;

/** The routes both majors serve. */
const routes: Record<string, (ctx: Context) => unknown> = {
  "/me": (ctx) => {
    ctx.body = { id: ctx.session.id ?? null, user: ctx.session.data.user ?? null };
  },
  "/sign-in": async (ctx) => {
    await ctx.session.regenerate();
    await ctx.session.update({ user: "ada" });
    ctx.body = { user: ctx.session.data.user };
  },
  "/visit": async (ctx) => {
    await ctx.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
    ctx.body = { visits: ctx.session.data.visits };
  },
  "/regenerate": async (ctx) => {
    const before = ctx.session.id;
    await ctx.session.regenerate();
    ctx.body = { before, after: ctx.session.id, user: ctx.session.data.user };
  },
  "/sign-out": async (ctx) => {
    await ctx.session.clear();
    ctx.body = { user: ctx.session.data.user ?? null };
  },
  "/unawaited": (ctx) => {
    void ctx.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
    ctx.body = { sent: true };
  },
  "/boom": async (ctx) => {
    await ctx.session.update({ user: "bob" });
    throw new Error("boom");
  },
  "/throw": async (ctx) => {
    await ctx.session.update({ user: "bob" });
    ctx.throw(400, "bad request", { headers: { "x-reason": "test", "set-cookie": "hint=1; Path=/" } });
  },
  "/cookies": async (ctx) => {
    ctx.cookies.set("theme", "dark");
    await ctx.session.update({ user: "ada" });
    ctx.cookies.set("lang", "en");
    ctx.body = { ok: true };
  },
  "/late": async (ctx) => {
    ctx.respond = false;
    ctx.res.end("sent");
    await ctx.session.update({ late: true });
  },
};

function build(Framework: typeof Koa, config: Config): Koa {
  const app = new Framework();
  app.silent = true;
  app.proxy = true;
  app.use(session(config));
  app.use(async (ctx, next) => {
    expectTypeOf(ctx.session).toEqualTypeOf<SessionManager<Record<string, unknown>>>();
    const route = routes[ctx.path];
    if (route) await route(ctx);
    else await next();
  });
  return app;
}

describe.each([
  { name: "Koa 3", Framework: Koa },
  { name: "Koa 2", Framework: Koa2 },
])("$name", ({ Framework }) => {
  let server: Served;
  let errors: SessionErrorCode[];
  const config: Config = { password, onError: (code) => errors.push(code) };

  beforeEach(async () => {
    errors = [];
    server = await serve(build(Framework, config).callback());
  });
  afterEach(() => server.close());

  it("signs in, reads, updates, regenerates and signs out", async () => {
    await signInToSignOut(server.url);
  });

  it("writes no cookie for an anonymous request that writes nothing", async () => {
    const answer = await new Browser(server.url).get("/me");
    expect(answer.status).toBe(200);
    expect(answer.cookies).toEqual([]);
  });

  it("keeps the session cookie when a handler throws", async () => {
    const browser = new Browser(server.url);
    const answer = await browser.get("/boom");
    expect(answer.status).toBe(500);
    expect(answer.cookies.some((line) => line.startsWith("h3=Fe26.2*"))).toBe(true);
    expect((await browser.get("/me")).body).toMatchObject({ user: "bob" });
  });

  it("keeps the session cookie beside the headers of a ctx.throw", async () => {
    const response = await fetch(`${server.url}/throw`);
    expect(response.status).toBe(400);
    expect(response.headers.get("x-reason")).toBe("test");
    const names = response.headers.getSetCookie().map((line) => line.split("=")[0]);
    expect(names.sort()).toEqual(["h3", "hint"]);
  });

  it("sends the app's ctx.cookies.set and the session cookie together", async () => {
    const { cookies } = await new Browser(server.url).get("/cookies");
    expect(cookies.map((line) => line.split("=")[0]).sort()).toEqual(["h3", "lang", "theme"]);
  });

  it("lands an update the handler did not await before Koa responds", async () => {
    const browser = new Browser(server.url);
    expect((await browser.get("/unawaited")).cookies.some((line) => line.startsWith("h3=Fe26.2*"))).toBe(true);
    await browser.get("/unawaited");
    expect((await browser.get("/visit")).body).toEqual({ visits: 3 });
    expect(errors).toEqual([]);
  });

  it("reports a write after the response went as ERR_HEADERS_SENT", async () => {
    const answer = await new Browser(server.url).get("/late");
    expect(answer).toMatchObject({ body: "sent", cookies: [] });
    await expect.poll(() => errors).toEqual(["ERR_HEADERS_SENT"]);
  });

  it("follows ctx.secure under app.proxy for secure: auto", async () => {
    const auto = await serve(build(Framework, { password, cookie: { secure: "auto" } }).callback());
    try {
      const proxied = await new Browser(auto.url).get("/sign-in", { "x-forwarded-proto": "https" });
      expect(proxied.cookies[0]).toMatch(/; Secure/i);
      const plain = await new Browser(auto.url).get("/sign-in");
      expect(plain.cookies[0]).not.toMatch(/; Secure/i);
    } finally {
      await auto.close();
    }
  });

  it("answers 503, not the app's 200, when a write it did not await fails on the store", async () => {
    const failing = downStore();
    const codes: SessionErrorCode[] = [];
    const app = build(Framework, { password, store: failing, onError: (code) => codes.push(code) });
    app.silent = true;
    const stored = await serve(app.callback());
    try {
      const answer = await new Browser(stored.url).get("/unawaited");
      expect(answer.status).toBe(503);
      expect(answer.cookies).toEqual([]);
      expect(codes).toEqual(["ERR_STORE_UNAVAILABLE"]);
    } finally {
      await stored.close();
    }
  });

  it("creates no store record for an anonymous request, one after sign-in", async () => {
    const store = memoryStore();
    const stored = await serve(build(Framework, { password, store }).callback());
    try {
      const browser = new Browser(stored.url);
      expect((await browser.get("/me")).cookies).toEqual([]);
      expect(store.size).toBe(0);
      await browser.get("/sign-in");
      expect(store.size).toBe(1);
      expect((await browser.get("/me")).body).toMatchObject({ user: "ada" });
    } finally {
      await stored.close();
    }
  });
});
