import { SessionError } from "../errors.ts";

/**
 * Deepest nesting of arrays and objects a sealed value may have. Far beyond
 * any session's shape, far below what recursive code (a copy, a schema, a
 * merge) can walk on the smallest stack of a supported runtime: a 3,000-deep
 * array overflows a fresh Node process's stack in a plain recursive copy.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * JSON text of a value that must come back equal after sealing. Functions,
 * symbols, BigInts, non-finite numbers and cycles are refused instead of being
 * silently dropped or turned into `null`.
 */
export function stringifyStrict(value: unknown): string {
  let text: string | undefined;
  try {
    // A plain walk first: a replacer would be a call from C++ into JS for every
    // key, which is most of the cost of stringifying a small session.
    assertLossless(value, "", []);
    text = JSON.stringify(value);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    // A toJSON or getter that throws, or a cycle added behind the walk's back.
    throw new SessionError("ERR_SEAL_VALUE", "value cannot be sealed: it has no JSON form", { cause: error });
  }
  if (text === undefined) throw new SessionError("ERR_SEAL_VALUE", "value cannot be sealed: it has no JSON form");
  return text;
}

/** Refuses what JSON would drop or change, seeing values as JSON.stringify does (after toJSON). */
function assertLossless(value: unknown, key: string, ancestors: object[], fromToJSON = false): void {
  switch (typeof value) {
    case "function":
    case "symbol":
    case "bigint":
      throw new SessionError(
        "ERR_SEAL_VALUE",
        `value cannot be sealed: ${describe(key, ancestors)} is a ${typeof value}`,
      );
    case "number":
      if (!Number.isFinite(value)) {
        throw new SessionError(
          "ERR_SEAL_VALUE",
          `value cannot be sealed: ${describe(key, ancestors)} is ${String(value)}`,
        );
      }
      return;
    case "object": {
      if (value === null) return;
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      // JSON.stringify calls toJSON once and serializes its result as it is.
      if (typeof toJSON === "function" && !fromToJSON) {
        assertLossless(toJSON.call(value, key), key, ancestors, true);
        return;
      }
      if (ancestors.includes(value)) {
        throw new SessionError("ERR_SEAL_VALUE", "value cannot be sealed: it contains a cycle");
      }
      if (ancestors.length >= MAX_JSON_DEPTH) throw tooDeep();
      ancestors.push(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) assertLossless(value[i], String(i), ancestors);
      } else {
        for (const name of Object.keys(value))
          assertLossless((value as Record<string, unknown>)[name], name, ancestors);
      }
      ancestors.pop();
      return;
    }
    default:
      return;
  }
}

/**
 * Parses JSON from a verified seal, dropping `__proto__` and `constructor`
 * keys so that merging the result into another object cannot touch a prototype.
 */
export function parseSafe(text: string): unknown {
  // Each level costs two characters: short texts cannot be too deep.
  if (text.length > 2 * MAX_JSON_DEPTH && nestingDepth(text) > MAX_JSON_DEPTH) throw tooDeep();
  // Fast path: no key can spell a dangerous name without one of these substrings.
  // Stryker disable next-line StringLiteral: an empty needle is in every text, so only the slow path runs, which drops the same keys.
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

/** The deepest bracket nesting of JSON text, ignoring brackets inside strings; no recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function tooDeep(): SessionError {
  return new SessionError("ERR_SEAL_PAYLOAD", `value is nested more than ${MAX_JSON_DEPTH} levels deep`);
}

/** Names where a refused leaf is; only the root has no ancestors (an object may have a key ""). */
function describe(key: string, ancestors: readonly object[]): string {
  return ancestors.length === 0 ? "the value" : `key "${key.slice(0, 64)}"`;
}
