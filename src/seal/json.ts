import { SessionError } from "../errors.ts";

/**
 * JSON text of a value that must come back equal after sealing. Functions,
 * symbols, BigInts, non-finite numbers and cycles are refused instead of being
 * silently dropped or turned into `null`.
 */
export function stringifyStrict(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, refuseLossy);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionError("ERR_SEAL_VALUE", "value cannot be sealed: it contains a cycle or a BigInt", {
      cause: error,
    });
  }
  if (text === undefined) throw new SessionError("ERR_SEAL_VALUE", "value cannot be sealed: it has no JSON form");
  return text;
}

/**
 * Parses JSON from a verified seal, dropping `__proto__` and `constructor`
 * keys so that merging the result into another object cannot touch a prototype.
 */
export function parseSafe(text: string): unknown {
  // Fast path: no key can spell a dangerous name without one of these substrings.
  if (!text.includes("proto") && !text.includes("constructor") && !text.includes("\\u")) return JSON.parse(text);
  return JSON.parse(text, dropDangerousKeys);
}

/**
 * A deep copy of a value made by {@link parseSafe}: plain objects, arrays and
 * primitives only, and no dangerous keys (parsing dropped them).
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = cloneJson((value as Record<string, unknown>)[key]);
  return copy as T;
}

/** True for keys that must never be merged into an object: they reach its prototype. */
export function isDangerousKey(key: string): boolean {
  return key === "__proto__" || key === "constructor" || key === "prototype";
}

function dropDangerousKeys(this: unknown, key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" ? undefined : value;
}

function refuseLossy(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case "function":
    case "symbol":
    case "bigint":
      throw new SessionError("ERR_SEAL_VALUE", `value cannot be sealed: ${describe(key)} is a ${typeof value}`);
    case "number":
      if (!Number.isFinite(value)) {
        throw new SessionError("ERR_SEAL_VALUE", `value cannot be sealed: ${describe(key)} is ${String(value)}`);
      }
      return value;
    default:
      return value;
  }
}

function describe(key: string): string {
  return key === "" ? "the value" : `key "${key.slice(0, 64)}"`;
}
