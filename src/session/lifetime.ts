import { SessionError } from "../errors.ts";
import type { ResolvedConfig } from "./config.ts";

/** The times a lifetime decision needs. */
export interface Timestamps {
  readonly createdAt: number;
  readonly lastSeenAt?: number | undefined;
}

/**
 * Refuses a session past `maxAge` (from `createdAt`, no skew) or idle longer
 * than `idleTimeout`. Checked on every read, whatever `seal.ttl` says.
 */
export function assertAlive(session: Timestamps, config: ResolvedConfig, now: number): void {
  if (config.maxAge !== undefined && now - session.createdAt > config.maxAge * 1000) {
    throw new SessionError("ERR_SESSION_EXPIRED", "the session is older than maxAge");
  }
  if (config.idleTimeout !== undefined && now - (session.lastSeenAt ?? session.createdAt) > config.idleTimeout * 1000) {
    throw new SessionError("ERR_SESSION_EXPIRED", "the session was idle longer than idleTimeout");
  }
}

/** When the session dies: the earlier of the absolute and the idle limit (ms), if any. */
export function expiresAt(session: Timestamps, config: ResolvedConfig): number | undefined {
  let at: number | undefined;
  if (config.maxAge !== undefined) at = session.createdAt + config.maxAge * 1000;
  if (config.idleTimeout !== undefined) {
    const idle = (session.lastSeenAt ?? session.createdAt) + config.idleTimeout * 1000;
    at = at === undefined ? idle : Math.min(at, idle);
  }
  return at;
}

/**
 * Whether a read should reseal to slide the idle window. Waiting for half the
 * window (as h3 v2 does) keeps most reads free of a seal and a Set-Cookie,
 * while an active user never gets closer than half a window to expiry.
 */
export function shouldSlide(session: Timestamps, config: ResolvedConfig, now: number): boolean {
  if (config.idleTimeout === undefined) return false;
  return now - (session.lastSeenAt ?? session.createdAt) > config.idleTimeout * 500;
}

/** The seal's own ttl: the developer's, or the time left to live (0 = none). */
export function sealTtl(session: Timestamps, config: ResolvedConfig, now: number): number {
  if (config.fixedTtl) return config.seal.ttl;
  const at = expiresAt(session, config);
  return at === undefined ? 0 : Math.max(1, at - now);
}
