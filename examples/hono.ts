import { Hono } from "hono";
import { eventHandler, type SessionConfig, toWebHandler, useSession } from "sealed-session";

const config: SessionConfig = { password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } };

const visits = toWebHandler(
  eventHandler(async (event) => {
    const session = await useSession<{ visits?: number }>(event, config);
    await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
    return { visits: session.data.visits };
  }),
);

export const app = new Hono().get("/", (c) => visits(c.req.raw));
