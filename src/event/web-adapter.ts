import type { EventHandler } from "./handler.ts";
import { errorParts, type ResponseParts, reportError, toResponseParts } from "./response.ts";
import { WebEvent } from "./web-event.ts";

/**
 * A fetch-style handler: `Request` in, `Response` out. The optional second
 * argument is copied into `event.context`.
 *
 * @example
 * const fetch: WebHandler = toWebHandler(handler);
 * const response = await fetch(new Request("http://localhost/"));
 */
export type WebHandler = (request: Request, context?: Record<string, unknown>) => Promise<Response>;

/**
 * Serves a handler on any fetch-style runtime: Bun, Deno, Cloudflare Workers,
 * Next.js route handlers, Hono.
 *
 * @example
 * Bun.serve({ fetch: toWebHandler(handler) });
 * Deno.serve(toWebHandler(handler));
 * export default { fetch: toWebHandler(handler) }; // Workers
 */
export function toWebHandler(handler: EventHandler): WebHandler {
  return async (request, context) => {
    const event = new WebEvent(request, context ? { ...context } : {});
    try {
      const result = await handler(event);
      if (result instanceof Response) return mergeCookies(result, event.res.headers);
      return build(toResponseParts(result, event.res.status, event.res.statusText), event.res.headers);
    } catch (error) {
      reportError(error);
      // Error responses keep the session cookies the handler set.
      const headers = new Headers();
      for (const cookie of event.res.headers.getSetCookie()) headers.append("set-cookie", cookie);
      return build(errorParts(error), headers);
    }
  };
}

function build(parts: ResponseParts, headers: Headers): Response {
  if (parts.contentType && !headers.has("content-type")) headers.set("content-type", parts.contentType);
  const init: ResponseInit = { status: parts.status, headers };
  if (parts.statusText) init.statusText = parts.statusText;
  return new Response(parts.body as BodyInit | null, init);
}

function mergeCookies(response: Response, staged: Headers): Response {
  const cookies = staged.getSetCookie();
  if (cookies.length === 0) return response;
  try {
    for (const cookie of cookies) response.headers.append("set-cookie", cookie);
    return response;
  } catch {
    // Immutable headers (e.g. Response.redirect, fetch results): copy.
    const headers = new Headers(response.headers);
    for (const cookie of cookies) headers.append("set-cookie", cookie);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
