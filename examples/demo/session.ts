import type { SessionConfig, SessionErrorCode, SessionStore } from "sealed-session";

/** Roles offered at sign-in; the role only changes the greeting, as in vinxi's docs. */
export const ROLES = ["member", "editor", "admin"] as const;

/** One line of the cart: sizeable on purpose, so the cart soon outgrows one cookie. */
export interface CartItem {
  sku: string;
  name: string;
  price: number;
  addedAt: number;
}

/** What the demo keeps in its session. */
export interface DemoData {
  user?: { name: string; role: (typeof ROLES)[number] };
  counter?: number;
  cart?: CartItem[];
}

/** Absolute lifetime: one hour after sign-in, whatever happens. */
export const MAX_AGE_SECONDS = 60 * 60;
/** Sliding lifetime: half an hour without a visit ends the session. */
export const IDLE_TIMEOUT_SECONDS = 30 * 60;
/** The cookie's name: `demo`, and `demo.1 … demo.N` once chunked. */
export const COOKIE_NAME = "demo";

/**
 * Why the library refused the session cookie a request carried, by event.
 * A refused cookie never fails a request (a fresh session starts instead);
 * `onError` is how an app finds out, and the demo tells the visitor.
 */
export const refusedCookies = new WeakMap<object, SessionErrorCode>();

/**
 * The demo's session config. `secure: "auto"` because the demo runs on plain
 * http://localhost, where browsers would drop a Secure cookie; anywhere else
 * the cookie stays Secure. With a store, sessions are tagged with the user's
 * name so that "sign out everywhere" can find them all.
 */
export function demoConfig(password: string, store: SessionStore | undefined): SessionConfig<DemoData> {
  return {
    name: COOKIE_NAME,
    password,
    maxAge: MAX_AGE_SECONDS,
    idleTimeout: IDLE_TIMEOUT_SECONDS,
    cookie: { secure: "auto" },
    onError: (code, event) => refusedCookies.set(event, code),
    ...(store && { store, userId: (data: DemoData) => data.user?.name }),
  };
}

/** When a session ends: the earlier of its absolute and its idle limit (ms since epoch). */
export function sessionEndsAt(session: { createdAt: number; lastSeenAt?: number | undefined }): number {
  return Math.min(
    session.createdAt + MAX_AGE_SECONDS * 1000,
    (session.lastSeenAt ?? session.createdAt) + IDLE_TIMEOUT_SECONDS * 1000,
  );
}

/** What a refused cookie most likely means in this demo, for the visitor. */
export const REFUSAL_REASONS: Partial<Record<SessionErrorCode, string>> = {
  ERR_SEAL_MAC:
    "it was sealed with another password (did the server restart with a new development password?) or altered",
  ERR_SEAL_EXPIRED: "it has expired",
  ERR_SESSION_EXPIRED: "the session ended: idle for 30 min, or 1 h after sign-in",
  ERR_STORE_MISSING: "it was signed out everywhere, or expired in the store",
  ERR_SEAL_FORMAT: "it is not a sealed session, or a chunk is missing",
  ERR_SESSION_SHAPE: "it was made for the other mode (cookie sessions vs store)",
};
