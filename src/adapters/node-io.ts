import type { IncomingMessage, ServerResponse } from "node:http";
import { SessionError } from "../errors.ts";
import { type EventIO, kEventIO, mergeSetCookies, nodeIO } from "../event/io.ts";
import type { H3EventV1Like } from "../event/types.ts";
import { hasPending, settled } from "../session/pending.ts";
import type { SessionConfig } from "../session/types.ts";

/**
 * What a framework knows about the request that Node's socket does not: whether
 * it came over https and its hostname, both after the framework's proxy rules
 * (Express `trust proxy`, Koa `app.proxy`). Connect knows neither.
 */
export interface RequestView {
  readonly secure?: unknown;
  readonly hostname?: unknown;
}

/** An event carrying its own IO, in the h3 v1 shape so `onError` receives `event.node.req`. */
export type AdapterEvent = H3EventV1Like & { readonly [kEventIO]: EventIO };

/**
 * The session IO of a Node framework (Express, Connect, Koa): Node's IO, with
 * https and hostname taken from the framework, the session's own Set-Cookie
 * lines remembered (Koa drops every header on errors), and a write after the
 * headers went reported to `onError` instead of thrown: the app may not await
 * it, and an unhandled rejection would take the process down.
 */
export class FrameworkIO implements EventIO {
  readonly canWrite = true;
  readonly context: Record<string, unknown> = {};
  readonly event: AdapterEvent;
  /** The session's current Set-Cookie lines, every session name of this IO. */
  ownCookies: string[] = [];
  readonly #base: EventIO;
  readonly #res: ServerResponse;
  readonly #view: RequestView;
  readonly #onError: SessionConfig["onError"];

  constructor(req: IncomingMessage, res: ServerResponse, view: RequestView, onError: SessionConfig["onError"]) {
    this.#base = nodeIO(req, res, this.context);
    this.#res = res;
    this.#view = view;
    this.#onError = onError;
    this.event = { node: { req, res }, context: this.context, [kEventIO]: this };
  }

  header(name: string): string | undefined {
    return this.#base.header(name);
  }

  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void {
    if (this.#res.headersSent) {
      const error = new SessionError(
        "ERR_HEADERS_SENT",
        "a session write came after the response headers were sent; the cookie was not updated",
      );
      if (this.#onError) this.#onError(error.code, this.event, error);
      else console.error(error);
      return;
    }
    this.ownCookies = mergeSetCookies(this.ownCookies, isOwn, lines);
    this.#base.replaceCookies(isOwn, lines);
  }

  isSecure(): boolean | undefined {
    const secure = this.#view.secure;
    return typeof secure === "boolean" ? secure : this.#base.isSecure();
  }

  hostname(): string | undefined {
    const hostname = this.#view.hostname;
    return typeof hostname === "string" && hostname !== "" ? hostname : this.#base.hostname();
  }
}

/**
 * Holds `res.end` while a session operation of the request is running, so an
 * update the handler did not await still sets its cookie before the headers
 * leave (express-session's habit: `req.session.x = 1; res.json(…)`).
 */
export function holdEnd(res: ServerResponse, io: EventIO): void {
  const end = res.end;
  res.end = function heldEnd(this: ServerResponse, ...args: unknown[]) {
    if (!hasPending(io)) return end.apply(this, args as Parameters<typeof end>);
    void settled(io).then(() => end.apply(this, args as Parameters<typeof end>));
    return this;
  } as ServerResponse["end"];
}
