import { SessionError } from "../errors.ts";
import { isDangerousKey, parseSafe } from "../seal/json.ts";
import type { DataFields } from "./fields.ts";
import type { StoredSession } from "./types.ts";

/** A session row as the store's statements return it. */
export interface Row {
  data: string;
  user_id: string | null;
  created: number;
}

/** Values jsonb cannot hold: the escape of U+0000 (not preceded by another backslash; never first in `{…}`). */
const NUL_ESCAPE = /[^\\](?:\\\\)*\\u0000/;

/** The JSON text of an object from data fields, each value already JSON. */
export function jsonObject(fields: DataFields): string {
  const parts: string[] = [];
  for (const [key, text] of fields) parts.push(`${JSON.stringify(key)}:${text}`);
  const json = `{${parts.join(",")}}`;
  if (NUL_ESCAPE.test(json)) {
    throw new SessionError("ERR_SEAL_VALUE", "postgresStore cannot store the character U+0000 (jsonb refuses it)");
  }
  return json;
}

export function fromRow(id: string, row: Row): StoredSession | undefined {
  let parsed: unknown;
  try {
    parsed = parseSafe(row.data);
  } catch {
    // A corrupt row counts as missing: the session is dropped (fail closed), not trusted.
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) if (!isDangerousKey(key)) data[key] = value;
  const createdAt = Number(row.created);
  return row.user_id === null ? { id, createdAt, data } : { id, createdAt, data, user: row.user_id };
}
