import type { EventIO } from "../event/io.ts";

const kPending: unique symbol = Symbol.for("sealed-session.pending");

type PendingContext = { [kPending]?: Set<Promise<unknown>> };

/**
 * Registers a session operation of this request. Framework adapters hold the
 * response until every registered operation has settled, so a write the app
 * did not await still lands before the headers leave (express-session's
 * `res.end` deferral, done once for every adapter).
 */
export function track<T>(io: EventIO, operation: Promise<T>): Promise<T> {
  const context = io.context as PendingContext;
  let pending = context[kPending];
  if (!pending) {
    pending = new Set();
    context[kPending] = pending;
  }
  const set = pending;
  const settled: Promise<unknown> = operation.then(
    () => set.delete(settled),
    () => set.delete(settled),
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
 * by those that were running when it was called. Never rejects: the failure
 * of an operation belongs to whoever awaited it.
 */
export async function settled(io: EventIO): Promise<void> {
  const pending = (io.context as PendingContext)[kPending];
  while (pending && pending.size > 0) await Promise.all(pending);
}
