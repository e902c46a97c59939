import { SessionError } from "../errors.ts";
import { isDangerousKey } from "../seal/json.ts";
import type { SessionData } from "./types.ts";

/** What a cookie seals: the session, plus the name it was sealed for. */
export interface SealedPayload {
  id: string;
  createdAt: number;
  lastSeenAt?: number;
  data?: SessionData;
  /** Session name the seal was made for (purpose binding); absent in h3's seals. */
  purpose?: string;
  /** Flash messages waiting for the next request. */
  flash?: SessionData;
  /** True when the data lives in a store and this is only a reference. */
  ref?: true;
  /** With `ref`: no record was written yet (nothing to keep), so a missing record is no revocation. */
  unstored?: true;
}

const MAX_ID_LENGTH = 256;

/**
 * Checks the shape of an unsealed value and its purpose. A seal made for
 * another session name is refused; h3's seals carry no purpose and pass.
 */
export function toPayload(value: unknown, name: string): SealedPayload {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw shapeError("not an object");
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || v.id.length === 0 || v.id.length > MAX_ID_LENGTH) throw shapeError("bad id");
  if (typeof v.createdAt !== "number" || !Number.isFinite(v.createdAt)) throw shapeError("bad createdAt");
  if (v.lastSeenAt !== undefined && (typeof v.lastSeenAt !== "number" || !Number.isFinite(v.lastSeenAt))) {
    throw shapeError("bad lastSeenAt");
  }
  if (v.data !== undefined && !isPlainObject(v.data)) throw shapeError("bad data");
  if (v.flash !== undefined && !isPlainObject(v.flash)) throw shapeError("bad flash");
  if (v.purpose !== undefined && v.purpose !== name) {
    throw new SessionError("ERR_SESSION_PURPOSE", "the seal was made for another session name");
  }
  return v as unknown as SealedPayload;
}

/** Shallow merge that ignores keys reaching a prototype. */
export function mergeInto(target: Record<string, unknown>, patch: unknown): void {
  if (typeof patch !== "object" || patch === null) return;
  for (const key of Object.keys(patch)) {
    if (isDangerousKey(key)) continue;
    target[key] = (patch as Record<string, unknown>)[key];
  }
}

/** Makes `target` hold exactly the keys and values of `source`, in place: the app holds `target`. */
export function replaceContents(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(target)) if (!Object.hasOwn(source, key)) delete target[key];
  Object.assign(target, source);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shapeError(reason: string): SessionError {
  return new SessionError("ERR_SESSION_SHAPE", `the sealed session has the wrong shape: ${reason}`);
}
