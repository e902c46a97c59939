import type { CookieOptions } from "../cookie/options.ts";
import type { SessionError, SessionErrorCode } from "../errors.ts";
import type { AnyEvent } from "../event/types.ts";
import type { SealOptions } from "../seal/options.ts";
import type { PasswordInput } from "../seal/password.ts";
import type { SessionStore } from "../store/types.ts";
import type { StandardSchemaV1 } from "./standard-schema.ts";

/**
 * Session data: any JSON object. The default type parameter of every session function.
 *
 * @example
 * const session = await getSession(event, config);
 * const data: SessionData = session.data;
 */
export type SessionData = Record<string, unknown>;

/**
 * A session as `getSession` returns it.
 *
 * @example
 * const session: Session<{ user?: string }> = await getSession(event, config);
 * const ageMs = Date.now() - session.createdAt;
 */
export interface Session<T extends object = SessionData> {
  /** Random id, stable for the life of the session (see `regenerate`). */
  id: string;
  /** Creation time, ms since epoch. */
  createdAt: number;
  /** Last time the session was sealed, when `idleTimeout` is set. */
  lastSeenAt?: number;
  data: T;
}

/**
 * A shallow patch, or a function that patches (or mutates) the data.
 *
 * @example
 * const patch: SessionUpdate<{ visits: number }> = { visits: 1 };
 * const bump: SessionUpdate<{ visits: number }> = (data) => ({ visits: data.visits + 1 });
 * const mutate: SessionUpdate<{ cart: string[] }> = (data) => void data.cart.push("book");
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an updater may mutate `data` and return nothing.
export type SessionUpdate<T extends object = SessionData> = Partial<T> | ((data: T) => Partial<T> | undefined | void);

/**
 * Which diagnostic a warning is about; each is reported once per process.
 * `COOKIE_NEAR_LIMIT`: one cookie past 90 % of 4096 bytes; `SECURE_ON_HTTP`:
 * a `Secure` cookie set on plain http to a host other than localhost;
 * `WEAK_PASSWORD`: a password that looks like a sample or has few distinct characters.
 *
 * @example
 * const onWarning = (message: string, code: WarningCode) => logger.warn({ code }, message);
 */
export type WarningCode = "COOKIE_NEAR_LIMIT" | "PASSWORDS_WITHOUT_IDS" | "SECURE_ON_HTTP" | "WEAK_PASSWORD";

/**
 * Configuration shared by every session function. Only `password` is required.
 * Keep one config object per session name (module-level): it is validated once
 * per object, on first use.
 *
 * @example
 * const config: SessionConfig<{ user?: string }> = {
 *   password: process.env.SESSION_SECRET!,
 *   maxAge: 7 * 24 * 3600,
 *   idleTimeout: 24 * 3600,
 *   cookie: { secure: "auto" },
 * };
 */
export interface SessionConfig<T extends object = SessionData> {
  /**
   * The secret: a string of at least 32 characters, `{ id, secret }`, or a list
   * of those for rotation: the first seals, all unseal.
   */
  password: PasswordInput;
  /** Cookie name, per-request cache key and base of the header name. Default `"h3"`. */
  name?: string;
  /** Cookie attributes, or `false` to write no cookies (header or token mode). */
  cookie?: false | CookieOptions;
  /** Absolute lifetime in seconds, counted from `createdAt`. Default (or 0): none. */
  maxAge?: number;
  /** Sliding lifetime in seconds; a read reseals once half the window has passed. Default (or 0): none. */
  idleTimeout?: number;
  /** Header read before the cookie. Default `x-<name>-session`; `false` to ignore headers. */
  sessionHeader?: false | string;
  /** iron options, deep-merged over the defaults (8192 PBKDF2 iterations, as h3 v2). */
  seal?: SealOptions;
  /** Read h3 v1 / vinxi cookies (1 iteration) and reseal them. Default `true`. */
  legacySealFallback?: boolean;
  /** Session id generator: a non-empty string of at most 256 characters. Default: `crypto.randomUUID()`. */
  generateId?: () => string;
  /** A WebCrypto implementation to use instead of the platform's fastest backend. */
  crypto?: Crypto;
  /** Validates data on load; failing data yields a fresh session (`ERR_SESSION_SCHEMA`). */
  schema?: StandardSchemaV1<unknown, T>;
  /** Keep data server-side; the cookie then carries only a sealed reference. */
  store?: SessionStore;
  /** Limit for each store call in ms (at most 2^31 − 1); past it the request fails with 503. Default 2000. */
  storeTimeout?: number;
  /**
   * Store mode: the user who owns a session, read from its data on every write.
   * Enables `listUserSessions` and `revokeUserSessions` ("log out everywhere").
   * Return a string (convert numeric ids with `String()`); `undefined`, `null`
   * or `""` leave the session untagged, and any other value fails the write.
   */
  userId?(data: T): string | null | undefined;
  /** Told why an incoming session was discarded (tampered, expired, foreign…). */
  onError?: (code: SessionErrorCode, event: AnyEvent, error: SessionError) => void;
  /** Told about likely mistakes, once per process each. Default: `console.warn`. */
  onWarning?: (message: string, code: WarningCode) => void;
}

/**
 * What `useSession` returns: live views of the request's session and its verbs.
 *
 * @example
 * const session: SessionManager<{ user?: string }> = await useSession(event, config);
 * await session.regenerate();
 * await session.update({ user: "ada" });
 * await session.flash("notice", "Signed in");
 */
export interface SessionManager<T extends object = SessionData> {
  readonly id: string | undefined;
  readonly data: T;
  readonly createdAt: number;
  /** Merges a patch (or applies a function) and writes the cookie. */
  update(update?: SessionUpdate<T>): Promise<SessionManager<T>>;
  /** Deletes the session cookie (and record); a later update starts a fresh session. */
  clear(): Promise<SessionManager<T>>;
  /** New id and `createdAt`, data kept unless `keepData: false` (use on login). */
  regenerate(options?: RegenerateOptions): Promise<SessionManager<T>>;
  /** Stores a message for the next request to read once. */
  flash(key: string, value: unknown): Promise<SessionManager<T>>;
  /** Reads and removes the flash messages. */
  flashes(): Promise<Record<string, unknown>>;
}

/**
 * Options of `regenerate`.
 *
 * @example
 * // A new id and empty data, e.g. when another user signs in on this browser:
 * const options: RegenerateOptions = { keepData: false };
 * await regenerateSession(event, config, options);
 */
export interface RegenerateOptions {
  /** Keep the data under the new id. Default `true`. */
  keepData?: boolean;
}
