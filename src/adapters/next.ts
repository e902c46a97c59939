import { parseSetCookie } from "cookie-es";
import { SessionError } from "../errors.ts";
import { type EventIO, kEventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { openSession } from "../session/manager.ts";
import type { SessionConfig, SessionData, SessionManager } from "../session/types.ts";

/**
 * The cookie attributes Next's `cookies().set(name, value, options)` takes
 * (a subset of its `ResponseCookie`).
 *
 * @example
 * const options: NextCookieOptions = { path: "/", httpOnly: true, sameSite: "lax" };
 */
export interface NextCookieOptions {
  path?: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "lax" | "strict" | "none";
  partitioned?: boolean;
  priority?: "low" | "medium" | "high";
}

/**
 * A cookie store the session can be read from: what `await cookies()` returns,
 * or `request.cookies` in `proxy.ts` and middleware.
 *
 * @example
 * const reader: NextCookieReader = request.cookies;
 */
export interface NextCookieReader {
  getAll(): ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/**
 * A cookie store the session can be read from and written to: `await cookies()`
 * in Server Components (read-only there), Server Actions and Route Handlers,
 * or `response.cookies` in `proxy.ts` and middleware.
 *
 * @example
 * const store: NextCookieStore = await cookies();
 */
export interface NextCookieStore extends NextCookieReader {
  set(name: string, value: string, options?: NextCookieOptions): unknown;
}

/**
 * The session of this request in Next.js: reads and writes go through Next's
 * own cookie store, so the app's other cookies are left alone. In a Server
 * Component the store is read-only: reading works, and `update`, `clear` and
 * `regenerate` throw `SessionError("ERR_READ_ONLY")`. In `proxy.ts` or
 * middleware, pass the request's cookies to read and the response's to write.
 *
 * @example
 * // app/actions.ts
 * "use server";
 * export async function signIn(form: FormData) {
 *   const session = await getNextSession<{ user?: string }>(await cookies(), config);
 *   await session.update({ user: String(form.get("user")) });
 * }
 */
export function getNextSession<T extends object = SessionData>(
  cookies: NextCookieStore,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<SessionManager<T>>;
export function getNextSession<T extends object = SessionData>(
  requestCookies: NextCookieReader,
  responseCookies: NextCookieStore,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<SessionManager<T>>;
export function getNextSession<T extends object = SessionData>(
  read: NextCookieReader,
  second: NextCookieStore | SessionConfig<T> | Omit<SessionConfig, "userId">,
  third?: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<SessionManager<T>> {
  const write = third === undefined ? (read as NextCookieStore) : (second as NextCookieStore);
  const config = third ?? (second as SessionConfig<T>);
  return openSession<T>({ [kEventIO]: storeIO(read, write) } as unknown as AnyEvent, config);
}

/** One IO per store (per request), so every call in a render shares one read of the session. */
const ios = new WeakMap<NextCookieReader, EventIO>();

function storeIO(read: NextCookieReader, write: NextCookieStore): EventIO {
  if (read !== write) return cookieStoreIO(read, write);
  let io = ios.get(read);
  if (!io) {
    io = cookieStoreIO(read, write);
    ios.set(read, io);
  }
  return io;
}

function cookieStoreIO(read: NextCookieReader, write: NextCookieStore): EventIO {
  return {
    // Next has already parsed the Cookie header: rebuild it for the session layer's reader.
    header: (name) =>
      name === "cookie"
        ? read
            .getAll()
            .map((cookie) => `${cookie.name}=${cookie.value}`)
            .join("; ")
        : undefined,
    context: {},
    canWrite: true,
    replaceCookies(_isOwn, lines) {
      // Next's stores replace a cookie by name, and the session layer lists every
      // name it ever wrote in this request (deletions included), so set is enough.
      for (const [i, line] of lines.entries()) {
        const { name, value, ...attributes } = parseSetCookie(line)!;
        try {
          write.set(name, value, attributes as NextCookieOptions);
        } catch (error) {
          // Next's Server Component stores throw on set: the first line fails, so nothing was half written.
          if (i > 0) throw error;
          throw new SessionError(
            "ERR_READ_ONLY",
            "sealed-session: this Next.js cookie store is read-only (a Server Component); change the session from a Server Action or a Route Handler",
            { cause: error },
          );
        }
      }
    },
    // A cookie store does not know the scheme: `secure: "auto"` resolves to Secure.
    isSecure: () => undefined,
    hostname: () => undefined,
  };
}
