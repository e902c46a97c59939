import type { EventResponse, HTTPEvent } from "./types.ts";

/**
 * An {@link HTTPEvent} over a web `Request`; cookies are staged on
 * `res.headers`. Sessions read it as any `{ req, res: { headers } }` event
 * (`io.ts`), so it needs no IO of its own.
 */
export class WebEvent implements HTTPEvent {
  readonly req: Request;
  readonly context: Record<string, unknown>;
  readonly res: EventResponse = { status: 200, headers: new Headers() };
  #url: URL | undefined;

  constructor(req: Request, context: Record<string, unknown> = {}) {
    this.req = req;
    this.context = context;
  }

  get method(): string {
    return this.req.method;
  }

  get url(): URL {
    this.#url ??= new URL(this.req.url);
    return this.#url;
  }
}
