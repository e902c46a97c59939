import { configError } from "../errors.ts";
import { parseSafe, stringifyStrict } from "../seal/json.ts";
import type { StoredSession } from "./types.ts";

/** Ids that `crypto.randomUUID()`, hex, base64 and base64url generators produce; nothing that could name another key. */
const STORE_ID = /^[A-Za-z0-9_\-.~+/=]{1,256}$/;

/**
 * Refuses an id that could address another key family (`user:…`) or carry
 * separators. Ids reach stores only from `generateId` or from a verified seal,
 * so a refusal is a configuration problem, never client input.
 */
export function assertStoreId(id: string): void {
  if (!isStoreId(id)) {
    configError("session ids must be 1–256 characters of A–Z a–z 0–9 _ - . ~ + / = (check generateId)");
  }
}

/** True for an id a store accepts. */
export function isStoreId(id: unknown): id is string {
  return typeof id === "string" && STORE_ID.test(id);
}

/**
 * The owner a store writes: a string, or undefined for none (`""` too). Anything
 * else is refused (`ERR_CONFIG`): no listing could match it.
 */
export function assertStoreUser(user: unknown): string | undefined {
  if (user === undefined || user === "") return undefined;
  if (typeof user !== "string") {
    configError(`a stored session's user must be a string or undefined, not ${user === null ? "null" : typeof user}`);
  }
  return user;
}

/** The TTL a backend can express: whole seconds, at least 1; undefined for none. */
export function wholeSeconds(ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  if (typeof ttlSeconds !== "number" || Number.isNaN(ttlSeconds))
    configError("a store ttl must be a number of seconds");
  return Math.max(1, Math.ceil(ttlSeconds));
}

/**
 * JSON text of a record. Values that do not survive JSON are refused
 * (`ERR_SEAL_VALUE`), exactly as in cookie mode, so a store never silently
 * drops part of a session. The caller has checked the user with
 * {@link assertStoreUser} (a record whose user is not a string would be
 * rejected by {@link decodeRecord}); `""` is written as no user.
 */
export function encodeRecord(value: StoredSession, extra?: Record<string, unknown>): string {
  const record: Record<string, unknown> = { id: value.id, createdAt: value.createdAt, data: value.data };
  if (value.user) record.user = value.user;
  return stringifyStrict(Object.assign(record, extra));
}

/**
 * A record read back from a store, or undefined when it is not one of ours or
 * belongs to another id. A corrupt record counts as missing: the session is
 * dropped (fail closed) rather than trusted.
 */
export function decodeRecord(
  raw: unknown,
  id: string,
): (StoredSession & { readonly [key: string]: unknown }) | undefined {
  let value = raw;
  // Stryker disable next-line ConditionalExpression: parseSafe refuses a value that is no string, which then goes on unparsed as here
  if (typeof value === "string") {
    try {
      value = parseSafe(value);
    } catch {
      // Not JSON: still a string, refused below as any value that is not an object.
    }
  }
  // Anything but null and undefined has properties to read; only an object of ours has the right `id`.
  if (value == null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.id !== id || typeof record.createdAt !== "number") return undefined;
  const data = record.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  if (record.user !== undefined && typeof record.user !== "string") return undefined;
  return record as StoredSession & { readonly [key: string]: unknown };
}
