import { SessionError } from "../errors.ts";
import type { ResolvedConfig } from "./config.ts";
import type { SealedPayload } from "./payload.ts";

/**
 * iron-session appends `~<major version>` to its seals. The marker sits
 * outside the MAC, so it only tells us which shape to expect; it selects no
 * key and no algorithm.
 */
const MARKER = /~\d{1,3}$/;

/** The seal without iron-session's version marker, and whether it had one. */
export function splitIronSessionMarker(token: string): { sealed: string; ironSession: boolean } {
  const match = MARKER.exec(token);
  return match ? { sealed: token.slice(0, match.index), ironSession: true } : { sealed: token, ironSession: false };
}

/**
 * The data of a seal from iron-session before its `~2` marker (iron-session 1
 * to 5 and next-iron-session): `{ persistent, flash }`, read by iron-session 8
 * as `persistent`; undefined for any other value.
 */
export function olderIronSessionData(value: unknown): object | undefined {
  // Checked first: every read of an h3 or own seal passes here, and the rest copy costs.
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, "persistent")) return undefined;
  const { persistent, ...rest } = value as { persistent?: unknown };
  if (typeof persistent !== "object" || persistent === null || Array.isArray(persistent)) return undefined;
  for (const key of Object.keys(rest)) if (key !== "flash") return undefined;
  return persistent;
}

/**
 * Adopts the data of an iron-session cookie (a bare object, sealed with the
 * same password) as a new session of this library, so that users of an app
 * that moves from iron-session stay signed in. The caller reseals it at once.
 *
 * The new session gets the configured lifetimes, and never outlives the
 * seal's own expiration: `createdAt` is moved back so that `maxAge` ends then.
 */
export function adoptIronSession(
  value: unknown,
  config: ResolvedConfig,
  now: number,
  expiration: number | undefined,
): SealedPayload {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SessionError("ERR_SESSION_SHAPE", "the iron-session cookie does not hold an object");
  }
  // The marker is outside the MAC: appended to an h3 seal or one of ours, it
  // would turn an expired, revoked or foreign session into a fresh one.
  if (isSessionPayload(value)) {
    throw new SessionError("ERR_SESSION_SHAPE", "a session seal was presented as an iron-session cookie");
  }
  let createdAt = now;
  if (expiration !== undefined && config.maxAge !== undefined) {
    createdAt = Math.min(now, expiration - config.maxAge * 1000);
  }
  return { id: config.generateId(), createdAt, data: { ...(value as Record<string, unknown>) } };
}

/** True for `{ id, createdAt, data }` (h3) and this library's payloads, which also carry a purpose or a store ref. */
function isSessionPayload(value: object): boolean {
  const v = value as Record<string, unknown>;
  return typeof v.id === "string" && typeof v.createdAt === "number" && ("data" in v || "purpose" in v || "ref" in v);
}
