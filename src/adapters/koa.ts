import type { Middleware } from "koa";
import { openSession } from "../session/manager.ts";
import { settled } from "../session/pending.ts";
import type { SessionData as AnySessionData, SessionConfig, SessionManager } from "../session/types.ts";
import { FrameworkIO } from "./node-io.ts";
import { failedWrite } from "./unawaited.ts";

/**
 * The data of `ctx.session`, for you to declare. Left empty, `ctx.session.data`
 * is any JSON object.
 *
 * @example
 * declare module "sealed-session/koa" {
 *   interface SessionData {
 *     user?: string;
 *     visits?: number;
 *   }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface, so that applications can augment it.
export interface SessionData {}

/**
 * {@link SessionData} as the application declared it, or any JSON object.
 *
 * @example
 * const config: SessionConfig<KoaSessionData> = { password: process.env.SESSION_SECRET! };
 */
export type KoaSessionData = keyof SessionData extends never ? AnySessionData : SessionData;

declare module "koa" {
  interface ExtendableContext {
    /** The request's session, from `sealed-session/koa`. */
    session: SessionManager<KoaSessionData>;
  }
}

/**
 * Sessions for Koa 2 and 3: `ctx.session` is the manager that `useSession`
 * returns. Nothing is written for a request that writes nothing; writes the
 * handler did not await land before Koa responds; the cookie survives a
 * thrown error; `secure: "auto"` follows `ctx.secure` (so `app.proxy`).
 *
 * @example
 * import Koa from "koa";
 * import { session } from "sealed-session/koa";
 *
 * const app = new Koa();
 * app.use(session({ password: process.env.SESSION_SECRET! }));
 * app.use(async (ctx) => {
 *   await ctx.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
 *   ctx.body = ctx.session.data;
 * });
 * app.listen(3000);
 */
export function session(config: SessionConfig<KoaSessionData> | Omit<SessionConfig, "userId">): Middleware {
  return async (ctx, next) => {
    const io = new FrameworkIO(ctx.req, ctx.res, ctx, config.onError);
    ctx.session = await openSession<KoaSessionData>(io.event, config);
    try {
      await next();
    } catch (error) {
      await settled(io);
      // Koa answers an error with none of the headers set so far, then with `err.headers`.
      if (io.ownCookies.length > 0 && typeof error === "object" && error !== null) {
        const carrier = error as { headers?: Record<string, unknown> };
        carrier.headers = { ...carrier.headers, "set-cookie": withOwn(carrier.headers?.["set-cookie"], io.ownCookies) };
      }
      throw error;
    }
    // A write the app did not await failed (a store outage): answer with its
    // status through Koa's error handling, as an awaited write would have.
    const failure = failedWrite(await settled(io));
    if (failure) {
      io.report(failure);
      throw failure;
    }
  };
}

/** The error's own Set-Cookie value (if any) followed by the session's lines. */
function withOwn(current: unknown, own: readonly string[]): string[] {
  const lines = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
  return [...lines, ...own];
}
