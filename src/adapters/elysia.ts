import { parseSetCookie } from "cookie-es";
import { Elysia } from "elysia";
import { type EventIO, kEventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { openSession } from "../session/manager.ts";
import { settled } from "../session/pending.ts";
import type { SessionConfig, SessionData } from "../session/types.ts";
import { reportHeadersSent } from "./headers-sent.ts";
import { failedWrite, failureResponse, reportFailure } from "./unawaited.ts";

/** Elysia's response state, as far as cookies go. */
interface ElysiaSet {
  headers: Record<string, string | number | string[] | undefined> | Headers;
  cookie?: Record<string, object>;
}

/**
 * Elysia serialises its cookie jar (`set.cookie`) over any raw Set-Cookie
 * header, so the session's cookies go into the jar, and raw lines the app put
 * in `set.headers` move into it too rather than being overwritten.
 */
function absorbRawCookies(set: ElysiaSet): void {
  const headers = set.headers;
  if (headers instanceof Headers || headers["set-cookie"] === undefined || !set.cookie) return;
  const raw = headers["set-cookie"];
  for (const line of Array.isArray(raw) ? raw : [String(raw)]) {
    const parsed = parseSetCookie(line);
    if (parsed && !(parsed.name in set.cookie)) set.cookie[parsed.name] = { ...parsed, name: undefined };
  }
  delete headers["set-cookie"];
}

/** Writes land in Elysia's cookie jar, so every response Elysia builds (errors too) carries them. */
class ElysiaIO implements EventIO {
  readonly canWrite = true;
  readonly context: Record<string, unknown> = {};
  sent = false;
  readonly #request: Request;
  readonly #set: ElysiaSet;
  readonly config: SessionConfig;

  constructor(request: Request, set: ElysiaSet, config: SessionConfig) {
    this.#request = request;
    this.#set = set;
    this.config = config;
  }

  header(name: string): string | undefined {
    return this.#request.headers.get(name) ?? undefined;
  }

  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void {
    if (this.sent) {
      reportHeadersSent(this.config, this.#request);
      return;
    }
    this.#set.cookie ??= {};
    const jar = this.#set.cookie;
    for (const name of Object.keys(jar)) if (isOwn(name)) delete jar[name];
    for (const line of lines) {
      const parsed = parseSetCookie(line);
      if (parsed) jar[parsed.name] = { ...parsed, name: undefined };
    }
    absorbRawCookies(this.#set);
  }

  isSecure(): boolean {
    return this.#request.url.startsWith("https:");
  }

  hostname(): string | undefined {
    try {
      return new URL(this.#request.url).hostname;
    } catch {
      return undefined;
    }
  }
}

const ios = new WeakMap<Request, ElysiaIO>();

/**
 * Elysia skips a plugin whose name and JSON-encoded seed it has seen. A config
 * does not survive JSON (functions vanish, a store's client may be circular),
 * so each config object gets its own number: the same config is applied once.
 */
const seeds = new WeakMap<object, number>();
let lastSeed = 0;
function seedOf(config: object): number {
  let seed = seeds.get(config);
  if (seed === undefined) {
    seed = ++lastSeed;
    seeds.set(config, seed);
  }
  return seed;
}

/**
 * Holds the response until session writes the handler did not await have
 * landed. One that failed (a store outage) answers with its status instead:
 * the handler's response would claim a success that did not happen.
 */
async function writesLanded({ request, set }: { request: Request; set: unknown }): Promise<Response | undefined> {
  const io = ios.get(request);
  if (!io) return undefined;
  const failure = failedWrite(await settled(io));
  absorbRawCookies(set as ElysiaSet);
  if (!failure) return undefined;
  reportFailure(io.config, request, failure);
  // Elysia merges `set.headers` and the cookie jar into a returned Response: none of the app's stay.
  const state = set as ElysiaSet;
  state.cookie = {};
  if (state.headers instanceof Headers) for (const name of [...state.headers.keys()]) state.headers.delete(name);
  else for (const name of Object.keys(state.headers)) delete state.headers[name];
  return failureResponse(failure);
}

/**
 * Elysia plugin: `session` in every handler's context, the manager
 * `useSession` returns. Lazy: a request that writes nothing gets no cookie;
 * error responses keep the cookie.
 *
 * @example
 * import { Elysia } from "elysia";
 * import { session } from "sealed-session/elysia";
 *
 * new Elysia()
 *   .use(session<{ visits?: number }>({ password: process.env.SESSION_SECRET! }))
 *   .get("/", async ({ session }) => {
 *     await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
 *     return session.data;
 *   })
 *   .listen(3000);
 */
export function session<T extends object = SessionData>(config: SessionConfig<T> | Omit<SessionConfig, "userId">) {
  return new Elysia({ name: "sealed-session", seed: seedOf(config) })
    .derive({ as: "global" }, async ({ request, set }) => {
      const io = new ElysiaIO(request, set as ElysiaSet, config as SessionConfig);
      ios.set(request, io);
      const event = { [kEventIO]: io, request } as unknown as AnyEvent;
      return { session: await openSession<T>(event, config) };
    })
    .onAfterHandle({ as: "global" }, writesLanded)
    .onError({ as: "global" }, writesLanded)
    .onAfterResponse({ as: "global" }, ({ request }) => {
      const io = ios.get(request);
      if (io) io.sent = true;
    });
}
