import { type EventIO, kEventIO, replaceInHeaders } from "./io.ts";
import type { EventResponse, HTTPEvent } from "./types.ts";

/** An {@link HTTPEvent} over a web `Request`; cookies are staged on `res.headers`. */
export class WebEvent implements HTTPEvent {
  readonly req: Request;
  readonly context: Record<string, unknown>;
  readonly res: EventResponse = { status: 200, headers: new Headers() };
  readonly [kEventIO]: EventIO;
  #url: URL | undefined;

  constructor(req: Request, context: Record<string, unknown> = {}) {
    this.req = req;
    this.context = context;
    const headers = this.res.headers;
    this[kEventIO] = {
      header: (name) => req.headers.get(name) ?? undefined,
      context,
      canWrite: true,
      replaceCookies: (isOwn, lines) => replaceInHeaders(headers, isOwn, lines),
      isSecure: () => this.url.protocol === "https:",
      hostname: () => this.url.hostname,
    };
  }

  get method(): string {
    return this.req.method;
  }

  get url(): URL {
    this.#url ??= new URL(this.req.url);
    return this.#url;
  }
}
