import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import connect from "connect";
import express5 from "express";
import express4 from "express-4";
import { type ExpressSessionData, session } from "sealed-session/express";
import { seal } from "sealed-session/seal";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import type { SessionErrorCode } from "../../src/errors.ts";
import type { SessionConfig, SessionManager } from "../../src/index.ts";
import { memoryStore } from "../../src/index.ts";
import { resetWarnings } from "../../src/session/warnings.ts";
import { downStore } from "../helpers/down-store.ts";
import { Browser, type Served, serve, signInToSignOut } from "./http.ts";

const password = "Xp4!vR8-kQ3zW7mM0bN2cL9tH4sG6fJ1aE";

// Warnings are given once per process; each test starts with none given.
beforeEach(() => resetWarnings());

type Req = IncomingMessage & { session: SessionManager<ExpressSessionData> };
type Route = (req: Req, res: ServerResponse) => unknown;

function send(res: ServerResponse, body: unknown, status = 200): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}

/** The routes every flavour serves, written with Node's API only (Connect has no more). */
const routes: Record<string, Route> = {
  "/me": (req, res) => send(res, { id: req.session.id ?? null, user: req.session.data.user ?? null }),
  "/sign-in": async (req, res) => {
    await req.session.regenerate();
    await req.session.update({ user: "ada" });
    send(res, { user: req.session.data.user });
  },
  "/visit": async (req, res) => {
    await req.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
    send(res, { visits: req.session.data.visits });
  },
  "/regenerate": async (req, res) => {
    const before = req.session.id;
    await req.session.regenerate();
    send(res, { before, after: req.session.id, user: req.session.data.user });
  },
  "/sign-out": async (req, res) => {
    await req.session.clear();
    send(res, { user: req.session.data.user ?? null });
  },
  // express-session's habit: change the session, answer at once.
  "/unawaited": (req, res) => {
    void req.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
    send(res, { sent: true });
  },
  // Connect's way to answer: writeHead with headers (here its own cookie), then end.
  "/head": (req, res) => {
    void req.session.update({ user: "ada" });
    res.writeHead(200, { "content-type": "application/json", "Set-Cookie": "app=1; Path=/" });
    res.end("{}");
  },
  "/head-awaited": async (req, res) => {
    await req.session.update({ user: "ada" });
    res.writeHead(200, "OK", { "set-cookie": ["app=1; Path=/"] });
    res.end("{}");
  },
  "/boom": async (req) => {
    await req.session.update({ user: "bob" });
    throw new Error("boom");
  },
  "/late": async (req, res) => {
    send(res, { sent: true });
    await req.session.update({ late: true });
  },
};

function routeHandler(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
  const route = routes[new URL(req.url ?? "/", "http://x").pathname];
  if (!route) {
    next();
    return;
  }
  Promise.resolve()
    .then(() => route(req as Req, res))
    .catch(next);
}

function errorHandler(error: unknown, _req: IncomingMessage, res: ServerResponse, _next: unknown): void {
  send(res, { error: (error as Error).message }, 500);
}

type Config = SessionConfig<ExpressSessionData>;
const flavours: { name: string; app(config: Config): RequestListener }[] = [
  {
    name: "Express 5",
    app: (config) => express5().use(session(config)).use(routeHandler).use(errorHandler),
  },
  {
    name: "Express 4",
    app: (config) => express4().use(session(config)).use(routeHandler).use(errorHandler),
  },
  {
    name: "Connect",
    app: (config) => connect().use(session(config)).use(routeHandler).use(errorHandler),
  },
];

describe.each(flavours)("$name", ({ app }) => {
  let server: Served;
  let errors: SessionErrorCode[];
  const config: Config = { password, onError: (code) => errors.push(code) };

  beforeEach(async () => {
    errors = [];
    server = await serve(app(config));
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

  it("keeps the session cookie on the error handler's response", async () => {
    const browser = new Browser(server.url);
    const answer = await browser.get("/boom");
    expect(answer).toMatchObject({ status: 500, body: { error: "boom" } });
    expect(answer.cookies.some((line) => line.startsWith("h3=Fe26.2*"))).toBe(true);
    expect((await browser.get("/me")).body).toMatchObject({ user: "bob" });
  });

  it("lands an update the handler did not await before the response leaves", async () => {
    const browser = new Browser(server.url);
    const answer = await browser.get("/unawaited");
    expect(answer.body).toEqual({ sent: true });
    expect(answer.cookies.some((line) => line.startsWith("h3=Fe26.2*"))).toBe(true);
    await browser.get("/unawaited");
    expect((await browser.get("/visit")).body).toEqual({ visits: 3 });
    expect(errors).toEqual([]);
  });

  it.each(["/head", "/head-awaited"])(
    "keeps the session cookie beside the app's when %s passes headers to writeHead",
    async (path) => {
      const browser = new Browser(server.url);
      const answer = await browser.get(path);
      expect(answer.cookies.map((line) => line.split("=")[0]).sort()).toEqual(["app", "h3"]);
      expect((await browser.get("/me")).body).toMatchObject({ user: "ada" });
      expect(errors).toEqual([]);
    },
  );

  it("reports a write after the response went as ERR_HEADERS_SENT, without crashing", async () => {
    const browser = new Browser(server.url);
    const answer = await browser.get("/late");
    expect(answer.body).toEqual({ sent: true });
    expect(answer.cookies).toEqual([]);
    await expect.poll(() => errors).toEqual(["ERR_HEADERS_SENT"]);
    expect((await browser.get("/visit")).body).toEqual({ visits: 1 });
  });

  it("answers 503, not the app's 200, when a write it did not await fails on the store", async () => {
    // A store that is down: each write fails after a moment, as a refused connection would.
    const failing = downStore();
    const codes: SessionErrorCode[] = [];
    const stored = await serve(app({ password, store: failing, onError: (code) => codes.push(code) }));
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
    const stored = await serve(app({ password, store }));
    try {
      const browser = new Browser(stored.url);
      expect((await browser.get("/me")).cookies).toEqual([]);
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

describe.each([
  { name: "Express 5", express: express5 },
  { name: "Express 4", express: express4 },
])("$name only", ({ express }) => {
  let server: Served | undefined;
  afterEach(() => server?.close());

  it("sends the app's res.cookie and the session cookie together", async () => {
    const app = express().use(session({ password }));
    app.get("/", async (req, res) => {
      expectTypeOf(req.session).toEqualTypeOf<SessionManager<Record<string, unknown>>>();
      res.cookie("theme", "dark");
      await req.session.update({ user: "ada" });
      res.cookie("lang", "en");
      res.json({ ok: true });
    });
    server = await serve(app);
    const { cookies } = await new Browser(server.url).get("/");
    expect(cookies.map((line) => line.split("=")[0]).sort()).toEqual(["h3", "lang", "theme"]);
  });

  it("holds the response for two session middlewares on one app, each landing its un-awaited write", async () => {
    const app = express().use(session({ password, name: "site" }));
    app.use((req, _res, next) => {
      (req as { site?: SessionManager }).site = req.session;
      next();
    });
    app.use(session({ password, name: "admin" }));
    app.get("/", (req, res) => {
      void (req as { site?: SessionManager }).site?.update({ visits: 1 });
      void req.session.update({ role: "editor" });
      res.json({ sent: true });
    });
    server = await serve(app);
    const answer = await new Browser(server.url).get("/");
    expect(answer).toMatchObject({ status: 200, body: { sent: true } });
    expect(answer.cookies.map((line) => line.split("=")[0]).sort()).toEqual(["admin", "site"]);
  });

  it("keeps a cookie resealed while the request was read when the route passes Set-Cookie to writeHead", async () => {
    // A cookie of the old password is resealed under the new one as it is read; the route writes nothing itself.
    const old = "Old4!vR8-kQ3zW7mM0bN2cL9tH4sG6fJ1aE";
    const token = await seal({ id: "rotated-session", createdAt: Date.now(), data: { user: "ada" } }, [
      { id: "old", secret: old },
    ]);
    const app = express().use(
      session({
        password: [
          { id: "new", secret: password },
          { id: "old", secret: old },
        ],
      }),
    );
    app.get("/", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "Set-Cookie": "app=1; Path=/" });
      res.end("ok");
    });
    server = await serve(app);
    const answer = await new Browser(server.url).get("/", { cookie: `h3=${token}` });
    expect(answer.cookies.map((line) => line.split("=")[0]).sort()).toEqual(["app", "h3"]);
    expect(answer.cookies.find((line) => line.startsWith("h3="))).toContain("*new*");
  });

  it("lands `update()` without await before `res.json()`", async () => {
    const app = express().use(session({ password }));
    app.get("/", (req, res) => {
      req.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
      res.json({ sent: true });
    });
    app.get("/count", (req, res) => {
      res.json(req.session.data);
    });
    server = await serve(app);
    const browser = new Browser(server.url);
    await browser.get("/");
    await browser.get("/");
    expect((await browser.get("/count")).body).toEqual({ visits: 2 });
  });

  it("follows req.secure under `trust proxy` for secure: auto and the plain-http warning", async () => {
    const warnings: string[] = [];
    const onWarning = (_message: string, code: string) => warnings.push(code);
    const app = express().set("trust proxy", true);
    app.use("/auto", session({ password, cookie: { secure: "auto" } }));
    app.use("/strict", session({ password, name: "strict", onWarning }));
    app.use(async (req, res) => {
      await req.session.update({ user: "ada" });
      res.json({ secure: req.secure });
    });
    server = await serve(app);
    const proxied = await new Browser(server.url).get("/auto", { "x-forwarded-proto": "https" });
    expect(proxied.cookies[0]).toMatch(/; Secure/i);
    const plain = await new Browser(server.url).get("/auto");
    expect(plain.cookies[0]).not.toMatch(/; Secure/i);

    resetWarnings();
    const behindTls = { "x-forwarded-proto": "https", "x-forwarded-host": "app.example" };
    await new Browser(server.url).get("/strict", behindTls);
    expect(warnings).toEqual([]);
    await new Browser(server.url).get("/strict", { ...behindTls, "x-forwarded-proto": "http" });
    expect(warnings).toEqual(["SECURE_ON_HTTP"]);
  });
});
