import { parseSetCookie, serialize } from "cookie-es";
import {
  type CookieSerializeOptions,
  createSession,
  type Session as RouterSession,
  type SessionData as RouterSessionData,
  type SessionStorage,
} from "react-router";
import { setCookieName } from "../cookie/serialize.ts";
import { configError, isSessionError, SessionError } from "../errors.ts";
import { type EventIO, kEventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { DEFAULT_SESSION_NAME } from "../session/config.ts";
import { openSession } from "../session/manager.ts";
import type { SessionConfig, SessionManager } from "../session/types.ts";

/**
 * React Router's `SessionStorage`, iron-sealed: `getSession`, `commitSession`
 * and `destroySession` as with `createCookieSessionStorage`, and sessions made
 * by React Router's own `createSession`, so `get`, `set`, `has`, `unset` and
 * `flash` behave the same. The cookie has the format of every other
 * sealed-session adapter; with a `store` it holds only the session id.
 * `commitSession` returns one Set-Cookie header, so a cookie session that
 * would need chunks throws `ERR_SESSION_TOO_LARGE` (use a store).
 *
 * @example
 * // app/sessions.server.ts
 * export const { getSession, commitSession, destroySession } = createSealedSessionStorage<{ user: string }>({
 *   password: process.env.SESSION_SECRET!,
 *   name: "app-session",
 * });
 */
export function createSealedSessionStorage<Data = RouterSessionData, FlashData = Data>(
  config: SessionConfig | Omit<SessionConfig, "userId">,
): SessionStorage<Data, FlashData> {
  if (config.cookie === false) configError("createSealedSessionStorage needs cookies (config.cookie is false)");
  // A storage only sees the Cookie header, and commitSession returns one cookie: no header sessions, no chunks.
  const own = { ...config, sessionHeader: false as const, cookie: { ...config.cookie, maxChunks: 1 } };
  const name = config.name ?? DEFAULT_SESSION_NAME;
  const bindings = new WeakMap<object, Binding>();

  const open = async (cookieHeader: string | null | undefined): Promise<Binding> => {
    const io = capturingIO(cookieHeader ?? undefined);
    const manager = await openSession({ [kEventIO]: io } as unknown as AnyEvent, own);
    return { io, manager };
  };
  // A session made with createSession() rather than getSession() starts a new sealed session.
  const bound = async (session: object): Promise<Binding> => {
    let binding = bindings.get(session);
    if (!binding) {
      binding = await open(undefined);
      bindings.set(session, binding);
    }
    return binding;
  };

  return {
    async getSession(cookieHeader) {
      const binding = await open(cookieHeader);
      const session = createSession<Data, FlashData>({ ...binding.manager.data } as Data, binding.manager.id);
      bindings.set(session, binding);
      return session;
    },
    async commitSession(session: RouterSession<Data, FlashData>, options) {
      const binding = await bound(session);
      const data = session.data as Record<string, unknown>;
      // React Router's data is the whole session (unset keys are gone, flashes read once are gone): replace, not merge.
      await binding.manager
        .update((current) => {
          for (const key of Object.keys(current)) delete current[key];
          return data;
        })
        .catch((error: unknown) => {
          if (!isSessionError(error, "ERR_SESSION_TOO_LARGE")) throw error;
          throw new SessionError(
            "ERR_SESSION_TOO_LARGE",
            `sealed-session: session "${name}" does not fit in one cookie, and commitSession returns a single Set-Cookie header. Keep less in the session, or pass a store to createSealedSessionStorage (the cookie then holds only the id).`,
            { cause: error },
          );
        });
      return cookieLine(binding.io, name, options);
    },
    async destroySession(session: RouterSession<Data, FlashData>, options) {
      const binding = await bound(session);
      await binding.manager.clear();
      // As React Router's own storages do: a deletion keeps its Max-Age=0, whatever the options say.
      return cookieLine(binding.io, name, { ...options, maxAge: undefined, expires: undefined });
    },
  };
}

interface Binding {
  readonly io: CapturingIO;
  readonly manager: SessionManager<Record<string, unknown>>;
}

interface CapturingIO extends EventIO {
  readonly lines: readonly string[];
}

/** An IO that holds the session's Set-Cookie lines for commitSession to return. */
function capturingIO(cookie: string | undefined): CapturingIO {
  let lines: readonly string[] = [];
  return {
    header: (name) => (name === "cookie" ? cookie : undefined),
    context: {},
    canWrite: true,
    cookieOnEveryWrite: true,
    replaceCookies(_isOwn, next) {
      lines = next;
    },
    isSecure: () => undefined,
    hostname: () => undefined,
    get lines() {
      return lines;
    },
  };
}

/** The session's main Set-Cookie line, with commitSession's cookie options applied over it. */
function cookieLine(io: CapturingIO, name: string, options: CookieSerializeOptions | undefined): string {
  const line = io.lines.find((candidate) => setCookieName(candidate) === name) ?? "";
  const given = Object.entries(options ?? {}).filter(([, value]) => value !== undefined);
  if (given.length === 0 || line === "") return line;
  const { name: cookieName, value, ...attributes } = parseSetCookie(line)!;
  const override = Object.fromEntries(given) as CookieSerializeOptions;
  // A lifetime given here replaces the session's own (Max-Age and Expires go together).
  const lifetime = override.maxAge !== undefined || override.expires !== undefined;
  if (lifetime) {
    delete attributes.maxAge;
    delete attributes.expires;
  }
  return serialize(cookieName, value, { ...attributes, ...override } as Parameters<typeof serialize>[2]);
}
