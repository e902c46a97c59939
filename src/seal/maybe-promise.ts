import type { MaybePromise } from "./backend.ts";

/**
 * True for a promise of any realm. A WebCrypto `subtle` call can answer with a
 * promise from another realm (Next.js's Edge sandbox does), which
 * `instanceof Promise` misses.
 */
export function isAsync<T>(value: MaybePromise<T>): value is Promise<T> {
  if (value instanceof Promise) return true;
  // Most answers are strings and bytes: no `then` lookup (a megamorphic one) for a primitive.
  if (typeof value !== "object" || value === null) return false;
  return typeof (value as { then?: unknown }).then === "function";
}

/**
 * `next(value)`, synchronously when `value` is there already: the Node backend
 * answers at once, and a chain of them must not cost a microtask per step.
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isAsync(value) ? value.then(next) : next(value);
}

/** {@link andThen} over two values, each perhaps pending. */
export function andThenBoth<A, B, U>(a: MaybePromise<A>, b: MaybePromise<B>, next: (a: A, b: B) => U): MaybePromise<U> {
  return isAsync(a) || isAsync(b) ? Promise.all([a, b]).then(([x, y]) => next(x, y)) : next(a, b);
}
