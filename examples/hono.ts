// Node 20: `npx tsx examples/hono.ts` · Bun and Deno: see below
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { session } from "sealed-session/hono";

export const app = new Hono()
  .use(session<{ visits?: number }>({ password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } }))
  .get("/", async (c) => {
    await c.var.session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
    return c.json({ visits: c.var.session.data.visits });
  });

export const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
