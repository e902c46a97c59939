import { type DataFields, fromFields, toFields } from "./fields.ts";
import type { StoredSession } from "./types.ts";

/*
 * A record as a Redis hash: `@c` createdAt, `@u` the owner, and `.key` the
 * JSON text of each top-level data key.
 */

/** Hash fields of data fields: `.` before each key keeps them apart from `@c` and `@u`. */
export function hashFields(fields: DataFields): string[] {
  const flat: string[] = [];
  for (const [name, text] of fields) flat.push(`.${name}`, text);
  return flat;
}

export function toHash(record: StoredSession): string[] {
  const flat = ["@c", String(record.createdAt), ...hashFields(toFields(record.data))];
  if (record.user) flat.push("@u", record.user);
  return flat;
}

/** A record from HGETALL's flat list; undefined when it is not one of ours. */
export function fromHash(id: string, flat: readonly string[]): StoredSession | undefined {
  const fields: [string, string][] = [];
  let createdAt = Number.NaN;
  let user: string | undefined;
  // Stryker disable next-line EqualityOperator: HGETALL answers name-value pairs, never an odd count
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string;
    if (name.startsWith(".")) fields.push([name.slice(1), value]);
    else if (name === "@c") createdAt = Number(value);
    else if (name === "@u") user = value;
  }
  if (!Number.isFinite(createdAt)) return undefined;
  let data: Record<string, unknown>;
  try {
    data = fromFields(fields);
  } catch {
    // A corrupt field counts as a missing record: the session is dropped (fail closed), not trusted.
    return undefined;
  }
  return user === undefined ? { id, createdAt, data } : { id, createdAt, data, user };
}
