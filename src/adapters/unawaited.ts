import { SessionError } from "../errors.ts";
import type { AnyEvent } from "../event/types.ts";
import type { SessionConfig } from "../session/types.ts";

/**
 * The failure of a session write the app did not await (it was still running
 * when the response was being finished), if one failed with a `SessionError`:
 * a store outage, say. Adapters answer with its status instead of the app's
 * response, which would claim a success that did not happen.
 */
export function failedWrite(errors: readonly unknown[]): SessionError | undefined {
  return errors.find((error): error is SessionError => error instanceof SessionError);
}

/** Tells `onError` about a failure no caller will see; one console line without it. */
export function reportFailure(config: Pick<SessionConfig, "onError">, event: object, error: SessionError): void {
  if (config.onError) config.onError(error.code, event as AnyEvent, error);
  else console.error(error);
}

/** The status line's text for a failure's status: what the response body says. */
export function failureText(error: SessionError): string {
  return error.status === 503 ? "Service Unavailable" : "Internal Server Error";
}

/**
 * The response that replaces the app's when a write it did not await failed:
 * none of the app's headers (its caching, its cookies) and never cached.
 */
export function failureResponse(error: SessionError): Response {
  return new Response(failureText(error), {
    status: error.status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
