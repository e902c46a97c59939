import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import fastifyCookie from "@fastify/cookie";
import { serve } from "@hono/node-server";
import Fastify, { type FastifyInstance } from "fastify";
import Fastify4 from "fastify-4";
import fastifyCookie9 from "fastify-cookie-9";
import { afterEach, describe, expect, it } from "vitest";
import { type FastifySessionData, sessionPlugin } from "../../src/adapters/fastify.ts";
import { eventHandler, toNodeListener, useSession } from "../../src/index.ts";
import type { SessionConfig } from "../../src/session/types.ts";
import { downStore } from "../helpers/down-store.ts";
import { app as honoApp, config as honoConfig } from "./fixtures/hono-app.ts";
import { Client, PASSWORD, SESSION_NAME, walkThrough } from "./scenario.ts";

declare module "../../src/adapters/fastify.ts" {
  interface FastifySessionData {
    user?: string;
    visits?: number;
    failed?: boolean;
    own?: boolean;
  }
}

const config: SessionConfig<FastifySessionData> = {
  name: SESSION_NAME,
  password: PASSWORD,
  cookie: { secure: "auto" },
};

/** The scenario's routes in an encapsulated child scope: the plugin must reach it. */
async function routes(app: FastifyInstance): Promise<void> {
  app.get("/anon", async (request) => ({ user: request.session.data.user ?? null }));
  app.get("/me", async (request) => ({ id: request.session.id ?? null, data: request.session.data }));
  app.post<{ Querystring: { user: string } }>("/sign-in", async (request) => {
    await request.session.regenerate();
    await request.session.update({ user: request.query.user });
    return { user: request.session.data.user };
  });
  app.post("/visit", async (request) => {
    await request.session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
    return { visits: request.session.data.visits };
  });
  app.post("/visit-later", async (request) => {
    void request.session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
    return { queued: true };
  });
  app.post("/regenerate", async (request) => {
    await request.session.regenerate();
    return { id: request.session.id };
  });
  app.post("/fail", async (request) => {
    // Not awaited: the error response must still wait for the write.
    void request.session.update({ failed: true });
    throw new Error("the route failed after writing the session");
  });
  app.post("/own-cookies", async (request, reply) => {
    reply.header("set-cookie", "theme=dark; Path=/");
    reply.setCookie("lang", "en", { path: "/" });
    await request.session.update({ own: true });
    return { ok: true };
  });
  app.post("/sign-out", async (request) => {
    await request.session.clear();
    return { user: null };
  });
}

type Factory = (options?: { trustProxy?: boolean }) => FastifyInstance;
const versions: [string, Factory, unknown][] = [
  ["Fastify 5", (options) => Fastify(options), fastifyCookie],
  // Fastify 4's types are its own; the app is driven through the same calls.
  ["Fastify 4", (options) => Fastify4(options) as unknown as FastifyInstance, fastifyCookie9],
];

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(factory: Factory, cookiePlugin: unknown): Promise<string> {
  const app = factory();
  await app.register(cookiePlugin as typeof fastifyCookie);
  await app.register(sessionPlugin, config);
  await app.register(routes);
  closers.push(() => app.close());
  return app.listen({ port: 0, host: "127.0.0.1" });
}

describe.each(versions)("sealed-session/fastify on %s", (_, factory, cookiePlugin) => {
  it("sign in → read → update → regenerate → error → own cookies → sign out", async () => {
    await walkThrough(await start(factory, cookiePlugin), ["theme", "lang"]);
  });

  it("reports a write after the response left through onError, without crashing", async () => {
    const app = factory();
    const codes: string[] = [];
    let late: Promise<unknown> | undefined;
    await app.register(sessionPlugin, { ...config, onError: (code) => codes.push(code) });
    app.get("/", async (request, reply) => {
      await reply.send({ ok: true });
      late = new Promise((resolve) => setTimeout(resolve, 20)).then(() => request.session.update({ visits: 1 }));
      return reply;
    });
    closers.push(() => app.close());
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const response = await fetch(base);
    expect(response.headers.getSetCookie()).toEqual([]);
    await late;
    expect(codes).toEqual(["ERR_HEADERS_SENT"]);
  });

  it("answers 503, not the route's 200, when a write it did not await fails on the store", async () => {
    const failing = downStore();
    const codes: string[] = [];
    const app = factory();
    await app.register(sessionPlugin, { ...config, store: failing, onError: (code) => codes.push(code) });
    await app.register(routes);
    closers.push(() => app.close());
    const response = await fetch(`${await app.listen({ port: 0, host: "127.0.0.1" })}/visit-later`, { method: "POST" });
    expect(response.status).toBe(503);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(codes).toEqual(["ERR_STORE_UNAVAILABLE"]);
  });

  it('decides secure: "auto" from request.protocol, so `trustProxy` and X-Forwarded-Proto count', async () => {
    const secureOf = async (trustProxy: boolean) => {
      const app = factory({ trustProxy });
      await app.register(sessionPlugin, config);
      app.get("/", async (request) => request.session.update({ visits: 1 }).then(() => "ok"));
      closers.push(() => app.close());
      const response = await fetch(await app.listen({ port: 0, host: "127.0.0.1" }), {
        headers: { "x-forwarded-proto": "https" },
      });
      return /;\s*Secure/i.test(response.headers.getSetCookie()[0] ?? "");
    };
    expect(await secureOf(true)).toBe(true);
    expect(await secureOf(false)).toBe(false);
  });
});

describe("a cookie written through Fastify", () => {
  it("is read by the Hono adapter and by plain useSession with the same config", async () => {
    expect(honoConfig.password).toBe(config.password);
    const client = new Client(await start(() => Fastify(), fastifyCookie));
    await client.call("POST", "/sign-in?user=grace");

    const hono = serve({ fetch: honoApp.fetch, port: 0, hostname: "127.0.0.1" });
    closers.push(() => new Promise((resolve) => hono.close(resolve)));
    await new Promise((resolve) => (hono.listening ? resolve(null) : hono.once("listening", resolve)));
    const viaHono = new Client(`http://127.0.0.1:${(hono.address() as AddressInfo).port}`);
    for (const [name, value] of client.jar.cookies) viaHono.jar.cookies.set(name, value);
    expect((await viaHono.me()).data).toEqual({ user: "grace" });

    const { createServer } = await import("node:http");
    const plain: Server = createServer(
      toNodeListener(eventHandler(async (event) => (await useSession(event, config)).data)),
    ).listen(0, "127.0.0.1");
    closers.push(() => new Promise((resolve) => plain.close(resolve)));
    await new Promise((resolve) => (plain.listening ? resolve(null) : plain.once("listening", resolve)));
    const response = await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`, client.jar.init());
    expect(await response.json()).toEqual({ user: "grace" });
  });
});
