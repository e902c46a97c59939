import { SessionError } from "../errors.ts";
import type { StoreWriteOptions } from "./types.ts";

/**
 * Default limit for one store call, in ms: a slow store fails the request, never hangs it.
 *
 * @example
 * const config: SessionConfig = { password, store, storeTimeout: DEFAULT_STORE_TIMEOUT_MS / 2 };
 */
export const DEFAULT_STORE_TIMEOUT_MS = 2000;

/**
 * Runs a store call with a deadline, which the call passes on to the store so
 * that a write the request gave up on is refused there too. Any failure
 * becomes `ERR_STORE_UNAVAILABLE` (HTTP 503): the request fails closed instead
 * of trusting stale data.
 */
export async function callStore<T>(
  what: string,
  timeoutMs: number,
  call: (options: StoreWriteOptions) => Promise<T>,
): Promise<T> {
  const options: StoreWriteOptions = { deadline: Date.now() + timeoutMs };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SessionError("ERR_STORE_UNAVAILABLE", `session store did not answer ${what} within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([call(options), deadline]);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionError("ERR_STORE_UNAVAILABLE", `session store failed on ${what}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** The error a store throws for a write that reached it after its deadline. */
export function lateWrite(what: string): SessionError {
  return new SessionError("ERR_STORE_UNAVAILABLE", `session store refused the ${what} that arrived after its deadline`);
}
