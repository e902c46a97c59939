import type { Context, MiddlewareHandler } from "hono";
import { type EventIO, kEventIO, mergeSetCookies } from "../event/io.ts";
import { openSession } from "../session/manager.ts";
import { settled } from "../session/pending.ts";
import type { SessionConfig, SessionData, SessionManager } from "../session/types.ts";
import { reportHeadersSent } from "./headers-sent.ts";
import { failedWrite, failureResponse, reportFailure } from "./unawaited.ts";

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
 * Session cookies are staged and added to the final `c.res` once the app has
 * answered. Writing them onto `c.res` earlier would make Hono replace the
 * Set-Cookie lines of a `Response` the route returns with the context's.
 */
class HonoIO implements EventIO {
  readonly canWrite = true;
  readonly context: Record<string, unknown> = {};
  lines: string[] = [];
  sent = false;
  readonly #c: Context;
  readonly #config: SessionConfig;

  constructor(c: Context, config: SessionConfig) {
    this.#c = c;
    this.#config = config;
  }

  header(name: string): string | undefined {
    return this.#c.req.raw.headers.get(name) ?? undefined;
  }

  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void {
    if (this.sent) reportHeadersSent(this.#config, this.#c);
    else this.lines = mergeSetCookies(this.lines, isOwn, lines);
  }

  isSecure(): boolean {
    return this.#c.req.raw.url.startsWith("https:");
  }

  hostname(): string | undefined {
    try {
      return new URL(this.#c.req.raw.url).hostname;
    } catch {
      return undefined;
    }
  }
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
    const io = new HonoIO(c, config as SessionConfig);
    // Carried by the Context, so `useSession(c, config)` in a route shares this session.
    (c as unknown as { [kEventIO]: EventIO })[kEventIO] = io;
    c.set("session", await openSession<T>(c, config));
    try {
      await next();
    } finally {
      // Writes the route did not await land first; then c.res is final (an error
      // response from onError included), and c.header copies it before appending.
      const failure = failedWrite(await settled(io));
      io.sent = true;
      if (failure) {
        // It failed (a store outage): the route's response would claim a success that did not happen.
        reportFailure(config, c, failure);
        // Cleared first: Hono's setter copies the old response's headers onto the new one.
        c.res = undefined;
        c.res = failureResponse(failure);
      } else {
        for (const line of io.lines) c.header("set-cookie", line, { append: true });
      }
    }
  };
}
