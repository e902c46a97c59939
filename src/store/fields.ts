import { isDangerousKey, parseSafe, stringifyStrict } from "../seal/json.ts";
import type { SessionPatch } from "./types.ts";

/**
 * Session data as stores that merge keep it: one JSON text per top-level key.
 * A patch then touches only the keys it names, and no store ever parses and
 * re-encodes a value it did not change.
 */
export type DataFields = Map<string, string>;

/** The fields of `data`; values that do not survive JSON are refused (`ERR_SEAL_VALUE`). */
export function toFields(data: Readonly<Record<string, unknown>>): DataFields {
  const fields: DataFields = new Map();
  for (const key of Object.keys(data)) {
    const value = data[key];
    // As in a whole-record JSON text, an undefined value is no key at all.
    if (value !== undefined && !isDangerousKey(key)) fields.set(key, stringifyStrict(value));
  }
  return fields;
}

/** The data object back from its fields. */
export function fromFields(fields: Iterable<readonly [string, string]>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, text] of fields) if (!isDangerousKey(key)) data[key] = parseSafe(text);
  return data;
}

/**
 * A patch as field writes: texts to set (undefined values count as removals,
 * as in JSON) and keys to delete. Everything is encoded before a store
 * changes anything, so a value that cannot be stored leaves the record as it was.
 */
export function patchFields(patch: SessionPatch): { readonly set: DataFields; readonly unset: string[] } {
  const set = toFields(patch.set);
  const unset = patch.unset.filter((key) => !set.has(key));
  for (const key of Object.keys(patch.set)) if (patch.set[key] === undefined) unset.push(key);
  return { set, unset };
}

/**
 * What changed between `before` (the fields the request read or last wrote)
 * and `data` now: the keys whose JSON differs and the keys that are gone.
 * Comparing JSON texts also catches a nested change made in place
 * (`data.cart.push(item)`), which an identity check would miss.
 */
export function diffFields(
  before: ReadonlyMap<string, string>,
  data: Readonly<Record<string, unknown>>,
): { readonly patch: { set: Record<string, unknown>; unset: string[] }; readonly after: DataFields } {
  const after = toFields(data);
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [key, text] of after) if (before.get(key) !== text) set[key] = data[key];
  for (const key of before.keys()) if (!after.has(key)) unset.push(key);
  return { patch: { set, unset }, after };
}
