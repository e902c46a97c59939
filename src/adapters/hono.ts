import type { MiddlewareHandler } from "hono";
import { eventIO } from "../event/io.ts";
import { openSession } from "../session/manager.ts";
import { settled } from "../session/pending.ts";
import type { SessionConfig, SessionData, SessionManager } from "../session/types.ts";

/**
 * The Hono environment this middleware adds: `c.var.session` / `c.get("session")`.
 * Give it to `new Hono<SessionEnv<Data>>()` when routes are not chained on `use`.
 *
 * @example
 * const app = new Hono<SessionEnv<{ user?: string }>>();
 * app.use(session<{ user?: string }>(config));
 * app.get("/", (c) => c.text(c.var.session.data.user ?? "guest"));
 */
export interface SessionEnv<T extends object = SessionData> {
  Variables: { session: SessionManager<T> };
}

/**
 * Hono middleware: the request's session at `c.var.session`, the manager
 * `useSession` returns. Lazy: a request that writes nothing gets no cookie.
 * Web-standard only, so the same app runs on Node, Bun, Deno and Workers.
 *
 * @example
 * import { Hono } from "hono";
 * import { session } from "sealed-session/hono";
 *
 * const app = new Hono().use(session<{ visits?: number }>({ password: process.env.SESSION_SECRET! }));
 * app.get("/", async (c) => {
 *   await c.var.session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
 *   return c.json(c.var.session.data);
 * });
 */
export function session<T extends object = SessionData>(
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): MiddlewareHandler<SessionEnv<T>> {
  return async (c, next) => {
    // The Context itself is the event: `useSession(c, config)` in a route shares this session.
    c.set("session", await openSession<T>(c, config));
    try {
      await next();
    } finally {
      // Cookies go straight onto c.res as each write lands (Hono carries them onto the
      // response a handler or onError returns); this holds the response for un-awaited ones.
      await settled(eventIO(c));
    }
  };
}
