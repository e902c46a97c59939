import type { HTTPEvent } from "./types.ts";

/**
 * A request handler: its return value becomes the response.
 *
 * @example
 * const hello: EventHandler<string> = (event) => `Hello from ${event.url.pathname}`;
 */
export type EventHandler<T = unknown> = (event: HTTPEvent) => T | Promise<T>;

/**
 * Defines a handler. The return value becomes the response: a string is sent
 * as HTML, an object, array, number or boolean as JSON, a `Uint8Array` as
 * bytes, a `Response` as is (session cookies merged in), `null`/`undefined`
 * as 204. Serve it with {@link toNodeListener} or {@link toWebHandler}.
 *
 * @example
 * export default eventHandler(async (event) => {
 *   const session = await useSession(event, config);
 *   return { visits: session.data.visits ?? 0 };
 * });
 */
export function eventHandler<T>(handler: EventHandler<T>): EventHandler<T> {
  if (typeof handler !== "function") throw new TypeError("eventHandler expects a function");
  return handler;
}

/**
 * Alias of {@link eventHandler}, named as in h3 v2.
 *
 * @example
 * export default defineHandler(async (event) => (await getSession(event, config)).data);
 */
export const defineHandler: typeof eventHandler = eventHandler;
