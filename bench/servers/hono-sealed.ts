// Hono on @hono/node-server + this library's middleware (sealed-session/hono) with default options.
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { session } from "sealed-session/hono";
import { type Counter, PASSWORD, ready } from "./common.ts";

const app = new Hono()
  .use(session<Counter>({ password: PASSWORD }))
  .get("/read", (c) => c.json({ count: c.var.session.data.count ?? 0 }))
  .get("/write", async (c) => {
    await c.var.session.update((data) => ({ count: (data.count ?? 0) + 1 }));
    return c.json({ count: c.var.session.data.count });
  });

ready(createAdaptorServer({ fetch: app.fetch }) as Server);
