import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { type EventIO, firstHeader, hostOf, kEventIO, mergeSetCookies } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { openSession } from "../session/manager.ts";
import { hasPending, settled } from "../session/pending.ts";
import type { SessionConfig, SessionData, SessionManager } from "../session/types.ts";
import { reportHeadersSent } from "./headers-sent.ts";
import { failedWrite, reportFailure } from "./unawaited.ts";

/**
 * The data type of `request.session`; add your fields by augmenting it.
 *
 * @example
 * declare module "sealed-session/fastify" {
 *   interface FastifySessionData {
 *     user?: string;
 *   }
 * }
 */
export interface FastifySessionData extends SessionData {}

declare module "fastify" {
  interface FastifyRequest {
    /** The request's session (sealed-session), the manager `useSession` returns. */
    session: SessionManager<FastifySessionData>;
  }
}

/** Session writes are staged here and handed to Fastify in `onSend`, beside the app's own cookies. */
class FastifyIO implements EventIO {
  readonly canWrite = true;
  readonly context: Record<string, unknown> = {};
  lines: string[] = [];
  sent = false;
  readonly #request: FastifyRequest;
  readonly #config: SessionConfig<FastifySessionData>;

  constructor(request: FastifyRequest, config: SessionConfig<FastifySessionData>) {
    this.#request = request;
    this.#config = config;
  }

  header(name: string): string | undefined {
    return firstHeader(this.#request.headers, name);
  }

  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void {
    if (this.sent) reportHeadersSent(this.#config, this.#request);
    else this.lines = mergeSetCookies(this.lines, isOwn, lines);
  }

  isSecure(): boolean {
    // Fastify's protocol honours `trustProxy` (X-Forwarded-Proto).
    return this.#request.protocol === "https";
  }

  hostname(): string | undefined {
    // Fastify 5 has `host` (with port); Fastify 4's `hostname` carries the port.
    const { host, hostname } = this.#request as { host?: string; hostname: string };
    return hostOf(host ?? hostname);
  }
}

type WithIO = { [kEventIO]?: FastifyIO | null };

function flush<P>(io: FastifyIO, reply: FastifyReply, payload: P): P {
  io.sent = true;
  // reply.header appends Set-Cookie lines: the app's and @fastify/cookie's stay.
  if (io.lines.length > 0) reply.header("set-cookie", io.lines);
  return payload;
}

const register: FastifyPluginAsync<SessionConfig<FastifySessionData>> = async (app, config) => {
  // Null defaults keep every request of the same shape; the hooks fill them in.
  app.decorateRequest("session", null as unknown as SessionManager<FastifySessionData>);
  app.decorateRequest(kEventIO, null);
  // Callback hooks: Fastify runs an async hook through one more promise per request.
  app.addHook("onRequest", (request: FastifyRequest, _reply, done) => {
    (request as WithIO)[kEventIO] = new FastifyIO(request, config);
    openSession<FastifySessionData>(request as unknown as AnyEvent, config).then((manager) => {
      request.session = manager;
      done();
    }, done);
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    const io = (request as WithIO)[kEventIO];
    if (!io) return done(null, payload);
    // Writes the route did not await land before the headers leave; most requests have none.
    if (!hasPending(io)) return done(null, flush(io, reply, payload));
    settled(io).then((errors) => {
      // A write the route did not await failed (a store outage): Fastify's error handling answers with its status.
      const failure = failedWrite(errors);
      if (!failure) return done(null, flush(io, reply, payload));
      reportFailure(config, request, failure);
      done(failure);
    }, done);
  });
};

/**
 * Fastify plugin (4 and 5): `request.session` is the manager `useSession`
 * returns, for every route of the app. Lazy: a request that writes nothing gets
 * no cookie. Wrapped as fastify-plugin does (without depending on it), so the
 * decorator is visible outside the registering scope.
 *
 * @example
 * import Fastify from "fastify";
 * import { sessionPlugin } from "sealed-session/fastify";
 *
 * const app = Fastify();
 * await app.register(sessionPlugin, { password: process.env.SESSION_SECRET! });
 * app.get("/", async (request) => {
 *   await request.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
 *   return request.session.data;
 * });
 */
export const sessionPlugin: FastifyPluginAsync<SessionConfig<FastifySessionData>> = Object.assign(register, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "sealed-session",
  [Symbol.for("plugin-meta")]: { name: "sealed-session", fastify: "4.x || 5.x" },
});
