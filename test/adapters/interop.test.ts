import { getRequestListener } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { session as expressSession } from "sealed-session/express";
import { sessionPlugin } from "sealed-session/fastify";
import { session as honoSession } from "sealed-session/hono";
import { session as koaSession } from "sealed-session/koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventHandler, toNodeListener, useSession } from "../../src/index.ts";
import { interopConfig } from "./fixtures/interop-config.ts";
import { type Served, serve } from "./http.ts";
import { missing, runtimes, spawnServer } from "./spawn-server.ts";

const config = interopConfig;

/** Each adapter as a server: GET /write?by=<name> writes the session, GET / answers its data. */
const servers: Record<string, () => Promise<Served>> = {
  Express: () => {
    const app = express().use(expressSession(config));
    app.get("/write", async (req, res) => {
      await req.session.update({ user: "ada", by: req.query.by });
      res.json(req.session.data);
    });
    app.get("/", (req, res) => res.json(req.session.data));
    return serve(app);
  },
  Koa: () => {
    const app = new Koa().use(koaSession(config));
    app.use(async (ctx) => {
      if (ctx.path === "/write") await ctx.session.update({ user: "ada", by: ctx.query.by });
      ctx.body = ctx.session.data;
    });
    return serve(app.callback());
  },
  Fastify: async () => {
    const app = Fastify();
    await app.register(sessionPlugin, config);
    app.get("/write", async (request) => {
      await request.session.update({ user: "ada", by: (request.query as { by?: string }).by });
      return request.session.data;
    });
    app.get("/", async (request) => request.session.data);
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, close: () => app.close() };
  },
  Hono: () => {
    const app = new Hono<{ Variables: { session: import("sealed-session").SessionManager } }>()
      .use(honoSession(config))
      .get("/write", async (c) => {
        await c.var.session.update({ user: "ada", by: c.req.query("by") });
        return c.json(c.var.session.data);
      })
      .get("/", (c) => c.json(c.var.session.data));
    return serve(getRequestListener(app.fetch));
  },
  "useSession (node:http)": () =>
    serve(
      toNodeListener(
        eventHandler(async (event) => {
          const session = await useSession(event, config);
          if (event.url.pathname === "/write")
            await session.update({ user: "ada", by: event.url.searchParams.get("by") });
          return session.data;
        }),
      ),
    ),
};

// Elysia runs on Bun (the pinned one of scripts/runtimes.sh); without it the matrix leaves Elysia out, said once.
const noBun = missing(runtimes.bun);
if (noBun) console.warn(`interop: Elysia left out (${noBun})`);
else {
  servers["Elysia (Bun)"] = async () => {
    const server = await spawnServer(runtimes.bun, ["test/adapters/fixtures/serve.ts", "elysia-interop"]);
    return { url: server.base, close: () => server.stop() };
  };
}

const names = Object.keys(servers);
const running: Record<string, Served> = {};
const cookies: Record<string, string> = {};

beforeAll(async () => {
  for (const name of names) running[name] = await servers[name]!();
  for (const name of names) {
    const response = await fetch(`${running[name]!.url}/write?by=${encodeURIComponent(name)}`);
    const lines = response.headers.getSetCookie();
    expect(lines, name).toHaveLength(1);
    cookies[name] = lines[0]!.split(";")[0]!;
  }
});
afterAll(async () => {
  await Promise.all(Object.values(running).map((server) => server.close()));
});

describe("one cookie for every adapter", () => {
  it.for(names.flatMap((writer) => names.map((reader) => [writer, reader] as const)))(
    "a session written by %s is read by %s",
    async ([writer, reader]) => {
      const response = await fetch(running[reader]!.url, { headers: { cookie: cookies[writer]! } });
      expect(await response.json()).toEqual({ user: "ada", by: writer });
    },
  );
});
