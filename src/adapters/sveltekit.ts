import { parseSetCookie } from "cookie-es";
import { SessionError } from "../errors.ts";
import { type EventIO, kEventIO, replaceInHeaders } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { openSession } from "../session/manager.ts";
import { settled } from "../session/pending.ts";
import type { SessionConfig, SessionData, SessionManager } from "../session/types.ts";
import { failedWrite, failureResponse, reportFailure } from "./unawaited.ts";

/** The part of SvelteKit's `event.cookies` the session uses (SvelteKit 2 and 3). */
interface SvelteKitCookies {
  getAll(opts?: { decode?: (value: string) => string }): Array<{ name: string; value: string }>;
  set(name: string, value: string, opts: SvelteKitCookieOptions): void;
}

/** Attributes handed to `cookies.set`; SvelteKit requires `path`. */
interface SvelteKitCookieOptions {
  path: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  httpOnly: boolean;
  secure: boolean;
  sameSite: "lax" | "strict" | "none" | boolean;
  partitioned?: boolean;
  priority?: "low" | "medium" | "high";
  encode: (value: string) => string;
}

/**
 * The part of SvelteKit's `RequestEvent` the session uses; SvelteKit's own
 * event fits it.
 *
 * @example
 * import type { SvelteKitEvent } from "sealed-session/sveltekit";
 *
 * const isSignedIn = (event: SvelteKitEvent & { locals: App.Locals }) => event.locals.session.data.user !== undefined;
 */
export interface SvelteKitEvent {
  readonly request: Request;
  readonly url: URL;
  readonly cookies: SvelteKitCookies;
  readonly locals: object;
}

/**
 * A SvelteKit `Handle` hook, generic so that it fits `Handle` and `sequence`
 * of SvelteKit 2 and 3.
 *
 * @example
 * import { sequence } from "@sveltejs/kit/hooks";
 * import { handleSession, type SessionHandle } from "sealed-session/sveltekit";
 *
 * const session: SessionHandle = handleSession({ password: process.env.SESSION_SECRET! });
 * export const handle = sequence(session, otherHandle);
 */
export type SessionHandle = <E extends SvelteKitEvent>(input: {
  event: E;
  resolve: (event: E) => Response | Promise<Response>;
}) => Promise<Response>;

/**
 * A `handle` hook that opens the request's session as `event.locals.session`
 * (the manager `useSession` returns, writing nothing until a verb writes).
 * Cookies go through `event.cookies`, so the app's own `cookies.set` calls
 * and the session's coexist; the response waits for writes that were not
 * awaited. Type it by declaring `session: SessionManager<YourData>` in
 * `App.Locals` (src/app.d.ts).
 *
 * @example
 * // src/hooks.server.ts
 * import { handleSession } from "sealed-session/sveltekit";
 *
 * export const handle = handleSession({ password: process.env.SESSION_SECRET! });
 */
export function handleSession<T extends object = SessionData>(
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): SessionHandle {
  return async ({ event, resolve }) => {
    const io = new SvelteKitIO(event, config.onError);
    const session: SessionManager<T> = await openSession<T>(io.sessionEvent, config);
    (event.locals as { session?: SessionManager<T> }).session = session;
    let response: Response;
    try {
      response = await resolve(event);
    } catch (error) {
      // A later hook threw (a redirect, say): SvelteKit builds that response from its cookies.
      await settled(io);
      io.close();
      throw error;
    }
    // Writes the app did not await may still be running: hold the response until they land.
    const failure = failedWrite(await settled(io));
    if (failure) {
      // One failed (a store outage): the app's response would claim a success that did not happen.
      io.close();
      reportFailure(config, io.sessionEvent, failure);
      return failureResponse(failure);
    }
    return io.finish(response);
  };
}

/**
 * Session cookies through `event.cookies` while SvelteKit still collects
 * them; once `resolve` has produced the response, straight onto its headers.
 */
class SvelteKitIO implements EventIO {
  readonly canWrite = true;
  readonly context: Record<string, unknown> = {};
  /** What the session functions receive: any object carrying its IO under `kEventIO`. */
  readonly sessionEvent: AnyEvent = { [kEventIO]: this } as unknown as AnyEvent;
  readonly #event: SvelteKitEvent;
  readonly #onError: SessionConfig["onError"];
  /** Writes refused by SvelteKit because its response was already generated. */
  #late: Array<[isOwn: (name: string) => boolean, lines: readonly string[]]> | undefined;
  #sent = false;

  constructor(event: SvelteKitEvent, onError: SessionConfig["onError"]) {
    this.#event = event;
    this.#onError = onError;
  }

  header(name: string): string | undefined {
    if (name !== "cookie") return this.#event.request.headers.get(name) ?? undefined;
    // getAll also sees cookies set or deleted earlier in this request (by other hooks, say).
    const cookies = this.#event.cookies.getAll({ decode: (value) => value });
    return cookies.map(({ name, value }) => `${name}=${value}`).join("; ") || undefined;
  }

  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void {
    if (this.#sent) {
      const error = new SessionError(
        "ERR_HEADERS_SENT",
        "cannot set the session cookie: the SvelteKit response was already returned (await the session write in the load function, action or endpoint)",
      );
      this.#onError?.(error.code, this.sessionEvent, error);
      throw error;
    }
    if (this.#late) return void this.#late.push([isOwn, lines]);
    try {
      for (const line of lines) setCookieLine(this.#event.cookies, line);
    } catch {
      // SvelteKit throws once the response is generated, before `resolve` returns it to us.
      this.#late = [[isOwn, lines]];
    }
  }

  isSecure(): boolean | undefined {
    return this.#event.url.protocol === "https:";
  }

  hostname(): string | undefined {
    return this.#event.url.hostname;
  }

  /** From now on a write is `ERR_HEADERS_SENT`. */
  close(): void {
    this.#sent = true;
  }

  /** Applies late writes to the response (a copy if its headers are immutable) and closes the IO. */
  finish(response: Response): Response {
    this.close();
    let result = response;
    if (this.#late) {
      try {
        for (const [isOwn, lines] of this.#late) replaceInHeaders(result.headers, isOwn, lines);
      } catch {
        result = new Response(response.body, response);
        for (const [isOwn, lines] of this.#late) replaceInHeaders(result.headers, isOwn, lines);
      }
    }
    return result;
  }
}

/** One Set-Cookie line as a `cookies.set` call, every attribute explicit so SvelteKit's defaults add none. */
function setCookieLine(cookies: SvelteKitCookies, line: string): void {
  const parsed = parseSetCookie(line, { decode: false });
  if (!parsed) return;
  const options: SvelteKitCookieOptions = {
    path: parsed.path ?? "/",
    httpOnly: parsed.httpOnly ?? false,
    secure: parsed.secure ?? false,
    sameSite: parsed.sameSite ?? false,
    encode: (value) => value,
  };
  if (parsed.domain !== undefined) options.domain = parsed.domain;
  if (parsed.maxAge !== undefined) options.maxAge = parsed.maxAge;
  if (parsed.expires !== undefined) options.expires = parsed.expires;
  if (parsed.partitioned) options.partitioned = true;
  if (parsed.priority !== undefined) options.priority = parsed.priority;
  cookies.set(parsed.name, parsed.value, options);
}
