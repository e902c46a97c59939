import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Response state a handler can change before the response is sent.
 *
 * @example
 * eventHandler((event) => {
 *   event.res.status = 201;
 *   event.res.headers.set("cache-control", "no-store");
 *   return { created: true };
 * });
 */
export interface EventResponse {
  status: number;
  statusText?: string;
  readonly headers: Headers;
}

/**
 * This library's request event: small and web-shaped. On Node the `Request`
 * is only built if a handler reads `event.req`; sessions read the Cookie
 * header straight from the `IncomingMessage`.
 *
 * @example
 * async function currentUser(event: HTTPEvent) {
 *   const session = await getSession<{ user?: string }>(event, config);
 *   return session.data.user ?? event.url.searchParams.get("guest");
 * }
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

/**
 * An h3 v1 event (as in vinxi and Nuxt 3): Node objects under `event.node`.
 *
 * @example
 * // vinxi: defineEventHandler's event fits as is.
 * export default defineEventHandler(async (event) => (await useSession(event, config)).data);
 */
export interface H3EventV1Like {
  readonly node: { readonly req: IncomingMessage; readonly res: ServerResponse };
  readonly context: Record<string, unknown>;
}

/**
 * An h3 v2 event, or any object with a web `Request` and optional response
 * headers. Without `res.headers` sessions are read but no cookie is written.
 *
 * @example
 * const res = { headers: new Headers() };
 * const session = await useSession({ req: request, res }, config);
 * return new Response(JSON.stringify(session.data), { headers: res.headers });
 */
export interface WebEventLike {
  readonly req: Request;
  readonly res?: { readonly headers: Headers; readonly errHeaders?: Headers };
  readonly context?: Record<string, unknown>;
  readonly url?: URL;
}

/**
 * Hono's `Context`, structurally (so the main entry imports no Hono): the web
 * `Request` under `req.raw`, response headers written through `c.header`.
 *
 * @example
 * app.get("/", async (c) => {
 *   const session = await useSession<{ visits?: number }>(c, config);
 *   await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
 *   return c.json(session.data);
 * });
 */
export interface HonoContextLike {
  readonly req: { readonly raw: Request };
  readonly res: Response;
  header(name: string, value: string | undefined, options?: { append?: boolean }): void;
}

/**
 * Every event shape the session functions accept.
 *
 * @example
 * async function userOf(event: AnyEvent): Promise<string | undefined> {
 *   return (await getSession<{ user?: string }>(event, config)).data.user;
 * }
 */
export type AnyEvent = HTTPEvent | H3EventV1Like | WebEventLike | HonoContextLike;
