// Hono on @hono/node-server + hono-sessions with its CookieStore (iron-webcrypto seals in the cookie).
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { CookieStore, type Session, sessionMiddleware } from "hono-sessions";
import { type Counter, PASSWORD, ready } from "./common.ts";

const app = new Hono<{ Variables: { session: Session<Counter>; session_key_rotation: boolean } }>()
  .use(sessionMiddleware({ store: new CookieStore(), encryptionKey: PASSWORD, cookieOptions: { path: "/" } }))
  .get("/read", (c) => c.json({ count: c.var.session.get("count") ?? 0 }))
  .get("/write", (c) => {
    const count = (c.var.session.get("count") ?? 0) + 1;
    c.var.session.set("count", count);
    return c.json({ count });
  });

ready(createAdaptorServer({ fetch: app.fetch }) as Server);
