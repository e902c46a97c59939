import type { IncomingMessage, ServerResponse } from "node:http";
import { openSession } from "../session/manager.ts";
import type { SessionData as AnySessionData, SessionConfig, SessionManager } from "../session/types.ts";
import { FrameworkIO } from "./node-io.ts";

/**
 * The data of `req.session`, for you to declare (as with express-session).
 * Left empty, `req.session.data` is any JSON object.
 *
 * @example
 * declare module "sealed-session/express" {
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
 * const config: SessionConfig<ExpressSessionData> = { password: process.env.SESSION_SECRET! };
 */
export type ExpressSessionData = keyof SessionData extends never ? AnySessionData : SessionData;

declare global {
  namespace Express {
    interface Request {
      /** The request's session, from `sealed-session/express`. */
      session: SessionManager<ExpressSessionData>;
    }
  }
}

/**
 * A Connect-style middleware, as Express 4 and 5 and Connect take it.
 *
 * @example
 * const middleware: SessionMiddleware = session({ password: process.env.SESSION_SECRET! });
 * app.use(middleware);
 */
export type SessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Sessions for Express 4 and 5 and Connect: `req.session` is the manager that
 * `useSession` returns. Nothing is written for a request that writes nothing;
 * the response waits for writes the handler did not await; `secure: "auto"`
 * follows `req.secure` (so Express's `trust proxy`).
 *
 * @example
 * import express from "express";
 * import { session } from "sealed-session/express";
 *
 * const app = express();
 * app.use(session({ password: process.env.SESSION_SECRET! }));
 * app.get("/", async (req, res) => {
 *   await req.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
 *   res.json(req.session.data);
 * });
 * app.listen(3000);
 */
export function session(config: SessionConfig<ExpressSessionData> | Omit<SessionConfig, "userId">): SessionMiddleware {
  return (req, res, next) => {
    // Express puts `secure` and `hostname` (after `trust proxy`) on its request.
    // The response is held from the request's first session write on (see holdResponse).
    const io = new FrameworkIO(req, res, req as { secure?: unknown; hostname?: unknown }, config.onError, true);
    openSession<ExpressSessionData>(io.event, config).then((manager) => {
      (req as { session?: SessionManager<ExpressSessionData> }).session = manager;
      next();
    }, next);
  };
}
