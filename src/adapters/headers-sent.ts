import { SessionError } from "../errors.ts";
import type { AnyEvent } from "../event/types.ts";
import type { SessionConfig } from "../session/types.ts";

/**
 * Reports a session write that came after the response left: through
 * `config.onError`, else one console line. Never thrown, since the write often
 * belongs to a promise nobody awaits and would crash the server.
 */
export function reportHeadersSent(config: Pick<SessionConfig, "onError">, event: object): void {
  const error = new SessionError(
    "ERR_HEADERS_SENT",
    "a session write came after the response was sent and is lost (await the session write before responding)",
  );
  if (config.onError) config.onError(error.code, event as AnyEvent, error);
  else console.warn(`sealed-session: ${error.message}`);
}
