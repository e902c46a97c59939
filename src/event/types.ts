import type { IncomingMessage, ServerResponse } from "node:http";

/** Response state a handler can change before the response is sent. */
export interface EventResponse {
  status: number;
  statusText?: string;
  readonly headers: Headers;
}

/**
 * This library's request event: small and web-shaped. On Node the `Request`
 * is only built if a handler reads `event.req`; sessions read the Cookie
 * header straight from the `IncomingMessage`.
 */
export interface HTTPEvent {
  readonly method: string;
  /** Parsed once, on first access. */
  readonly url: URL;
  /** The web `Request`; on Node built lazily on first access only. */
  readonly req: Request;
  readonly res: EventResponse;
  /** Per-request state; sessions are cached here. */
  readonly context: Record<string, unknown>;
  /** The Node request and response, when the event came through a Node adapter. */
  readonly node?: { readonly req: IncomingMessage; readonly res: ServerResponse };
}

/** An h3 v1 event (as in vinxi and Nuxt 3): Node objects under `event.node`. */
export interface H3EventV1Like {
  readonly node: { readonly req: IncomingMessage; readonly res: ServerResponse };
  readonly context: Record<string, unknown>;
}

/** An h3 v2 event, or any object with a web `Request` and optional response headers. */
export interface WebEventLike {
  readonly req: Request;
  readonly res?: { readonly headers: Headers; readonly errHeaders?: Headers };
  readonly context?: Record<string, unknown>;
  readonly url?: URL;
}

/** Every event shape the session functions accept. */
export type AnyEvent = HTTPEvent | H3EventV1Like | WebEventLike;
