/**
 * Every failure this library reports has a stable `code`. Programs branch on
 * the code, never on the message, and no message carries a token or a secret.
 *
 * @example
 * const config: SessionConfig = {
 *   password: process.env.SESSION_SECRET!,
 *   onError: (code: SessionErrorCode) => {
 *     if (code === "ERR_SEAL_MAC") metrics.increment("session.tampered");
 *   },
 * };
 */
export type SessionErrorCode =
  /** Developer configuration is invalid (short password, bad cookie attribute…). */
  | "ERR_CONFIG"
  /** The token is not an iron seal: wrong field count, prefix, length or alphabet. */
  | "ERR_SEAL_FORMAT"
  /** The token's own expiration (iron `ttl`) has passed. */
  | "ERR_SEAL_EXPIRED"
  /** The integrity check failed: the token was altered or sealed with another password. */
  | "ERR_SEAL_MAC"
  /** The token names a password id that is not configured. */
  | "ERR_SEAL_PASSWORD_ID"
  /** The MAC was valid but the payload could not be decrypted or parsed. */
  | "ERR_SEAL_PAYLOAD"
  /**
   * The token's salts were not made by this library and verifying it would
   * exceed the derivation budget (a forged-cookie flood): answered as a fresh
   * session, never a 5xx.
   */
  | "ERR_SEAL_BUSY"
  /** The value cannot be sealed: it does not survive a JSON round trip. */
  | "ERR_SEAL_VALUE"
  /** The session is older than `maxAge` or idle for longer than `idleTimeout`. */
  | "ERR_SESSION_EXPIRED"
  /** The seal was made for another session name (purpose binding). */
  | "ERR_SESSION_PURPOSE"
  /** The sealed session does not have the `{ id, createdAt, data }` shape. */
  | "ERR_SESSION_SHAPE"
  /** The session data failed the configured schema. */
  | "ERR_SESSION_SCHEMA"
  /** The session does not fit in the allowed number of cookies. */
  | "ERR_SESSION_TOO_LARGE"
  /** The server-side store failed or timed out. */
  | "ERR_STORE_UNAVAILABLE"
  /** The server-side record for this session does not exist (revoked or expired). */
  | "ERR_STORE_MISSING"
  /** A session write came after the response headers had been sent; the write is lost. */
  | "ERR_HEADERS_SENT"
  /** The framework gave a read-only cookie store (a Next.js Server Component): the session can be read, not written. */
  | "ERR_READ_ONLY";

const STATUS: Partial<Record<SessionErrorCode, number>> = {
  ERR_CONFIG: 500,
  ERR_SEAL_VALUE: 500,
  ERR_SESSION_TOO_LARGE: 500,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_HEADERS_SENT: 500,
  ERR_READ_ONLY: 500,
};

type ErrorWithLimit = ErrorConstructor & { stackTraceLimit?: number };

/**
 * The one error class of sealed-session: a stable `code` and the HTTP `status`
 * an unhandled error of this kind answers with (503 for a store outage, 500
 * for configuration mistakes, 400 otherwise). The 400s are refusals of what
 * the network sent (a bad, forged, expired or foreign cookie): they happen on
 * every such request and are answered with a fresh session, so they carry no
 * stack trace (capturing one was most of the cost of refusing a forged cookie,
 * and its frames would show only this library).
 *
 * @example
 * try {
 *   await unseal(token, password);
 * } catch (error) {
 *   if (error instanceof SessionError && error.code === "ERR_SEAL_EXPIRED") return null;
 *   throw error;
 * }
 */
export class SessionError extends Error {
  override readonly name = "SessionError";
  /** Stable machine-readable reason. */
  readonly code: SessionErrorCode;
  /** The HTTP status an unhandled error of this kind should produce. */
  readonly status: number;

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    const quiet = STATUS[code] === undefined;
    const limit = (Error as ErrorWithLimit).stackTraceLimit;
    if (quiet) (Error as ErrorWithLimit).stackTraceLimit = 0;
    super(message, options);
    if (quiet) (Error as ErrorWithLimit).stackTraceLimit = limit;
    this.code = code;
    this.status = STATUS[code] ?? 400;
  }
}

/**
 * True when `value` is a {@link SessionError}, optionally of the given code.
 *
 * @example
 * const value = await unseal(token, password).catch((error) => {
 *   if (isSessionError(error, "ERR_SEAL_EXPIRED")) return undefined;
 *   throw error;
 * });
 */
export function isSessionError(value: unknown, code?: SessionErrorCode): value is SessionError {
  return value instanceof SessionError && (code === undefined || value.code === code);
}

/** Throws an `ERR_CONFIG` error: the developer's configuration is unusable. */
export function configError(message: string): never {
  throw new SessionError("ERR_CONFIG", `sealed-session: ${message}`);
}
