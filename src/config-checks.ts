import { configError } from "./errors.ts";

// The developer-config checks every layer repeats, in one place: one message
// shape per kind of mistake, and one copy of it in a Worker bundle.

/**
 * Fails fast (`ERR_CONFIG`) unless `value` is a number from `min` to `max`
 * (an integer when `integer` is set). `max` defaults to the largest finite
 * number, so NaN and ±Infinity fail; pass `Infinity` to allow it.
 */
export function checkNumber(value: unknown, what: string, min: number, max = Number.MAX_VALUE, integer = false): void {
  if (typeof value === "number" && value >= min && value <= max && (!integer || Number.isSafeInteger(value))) return;
  const kind = integer ? "an integer" : max === Number.MAX_VALUE ? "a finite number" : "a number";
  configError(`${what} must be ${kind} ${max >= Number.MAX_VALUE ? `≥ ${min}` : `from ${min} to ${max}`}`);
}

/** Fails fast (`ERR_CONFIG`) unless `value` is `undefined` or one of `allowed`. */
export function checkOneOf(value: unknown, what: string, allowed: readonly unknown[]): void {
  if (value === undefined || allowed.includes(value)) return;
  // Config values, never secrets; cut short so a stray object cannot flood the log.
  configError(
    `${what} must be ${allowed.map((v) => JSON.stringify(v)).join(", ")} (got ${JSON.stringify(String(value).slice(0, 32))})`,
  );
}
