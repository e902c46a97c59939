import express from "express";
import Koa from "koa";
import { session as expressSession } from "sealed-session/express";
import { session as koaSession } from "sealed-session/koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventHandler, type SessionConfig, toNodeListener, useSession } from "../../src/index.ts";
import { Browser, type Served, serve } from "./http.ts";

// One config for every server: the cookie is the contract between them.
const config: SessionConfig = { password: "In4!vR8-kQ3zW7mM0bN2cL9tH4sG6fJ1aE" };

/** Servers that answer GET / with the session's data; add one per adapter. */
const readers: Record<string, () => Served | Promise<Served>> = {
  Koa: () => {
    const app = new Koa();
    app.use(koaSession(config));
    app.use((ctx) => {
      ctx.body = ctx.session.data;
    });
    return serve(app.callback());
  },
  "useSession (node:http)": () =>
    serve(toNodeListener(eventHandler(async (event) => (await useSession(event, config)).data))),
  Express: () =>
    serve(
      express()
        .use(expressSession(config))
        .use((req, res) => res.json(req.session.data)),
    ),
};

describe("a cookie written through the Express adapter", () => {
  let writer: Served;
  let cookie = "";
  beforeAll(async () => {
    const app = express().use(expressSession(config));
    app.get("/", async (req, res) => {
      await req.session.update({ user: "ada", visits: 7 });
      res.json({ ok: true });
    });
    writer = await serve(app);
    const browser = new Browser(writer.url);
    await browser.get("/");
    cookie = browser.jar.header();
  });
  afterAll(() => writer.close());

  it.each(Object.keys(readers))("is read by %s", async (name) => {
    const reader = await readers[name]?.();
    if (!reader) throw new Error(`no reader ${name}`);
    try {
      const response = await fetch(reader.url, { headers: { cookie } });
      expect(await response.json()).toEqual({ user: "ada", visits: 7 });
    } finally {
      await reader.close();
    }
  });
});
