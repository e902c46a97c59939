import type { EventIO } from "../event/io.ts";

const kPending: unique symbol = Symbol.for("sealed-session.pending");

/** What a tracked operation came to: undefined, or the error it failed with. */
type Outcome = { error: unknown } | undefined;

type PendingContext = { [kPending]?: Set<Promise<Outcome>> };

/**
 * Registers a session operation of this request. Framework adapters hold the
 * response until every registered operation has settled, so a write the app
 * did not await still lands before the headers leave (express-session's
 * `res.end` deferral, done once for every adapter).
 */
export function track<T>(io: EventIO, operation: Promise<T>): Promise<T> {
  io.beforeWrite?.();
  const context = io.context as PendingContext;
  let pending = context[kPending];
  if (!pending) {
    pending = new Set();
    context[kPending] = pending;
  }
  const set = pending;
  const settled: Promise<Outcome> = operation.then(
    () => {
      set.delete(settled);
      return undefined;
    },
    (error: unknown) => {
      set.delete(settled);
      return { error };
    },
  );
  set.add(settled);
  return operation;
}

/** True while a tracked operation of this request is still running. */
export function hasPending(io: EventIO): boolean {
  return ((io.context as PendingContext)[kPending]?.size ?? 0) > 0;
}

/**
 * Settles once no tracked operation is running, including operations started
 * by those that were running when it was called, with the errors of those
 * that failed. Never rejects: an adapter decides what a failure the app did
 * not await means for the response.
 */
export async function settled(io: EventIO): Promise<unknown[]> {
  const pending = (io.context as PendingContext)[kPending];
  const errors: unknown[] = [];
  while (pending && pending.size > 0) {
    for (const outcome of await Promise.all(pending)) if (outcome) errors.push(outcome.error);
  }
  return errors;
}
