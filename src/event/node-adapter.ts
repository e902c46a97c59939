import type { IncomingMessage, ServerResponse } from "node:http";
import type { EventHandler } from "./handler.ts";
import { NodeEvent } from "./node-event.ts";
import { errorParts, type ResponseParts, reportError, toResponseParts } from "./response.ts";

/**
 * A `node:http` request listener. Its promise never rejects: errors become
 * error responses.
 *
 * @example
 * const listener: NodeListener = toNodeListener(handler);
 * createServer(listener).listen(3000);
 */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Serves a handler with `node:http` (or anything built on it).
 *
 * @example
 * import { createServer } from "node:http";
 * createServer(toNodeListener(handler)).listen(3000);
 */
export function toNodeListener(handler: EventHandler): NodeListener {
  return async (req, res) => {
    const event = new NodeEvent(req, res);
    // node:http ignores the listener's promise: nothing may reject out of here.
    try {
      const result = await handler(event);
      if (res.writableEnded || res.headersSent) return;
      if (result instanceof Response) await writeResponse(res, event, result);
      else writeParts(res, event, toResponseParts(result, event.res.status, event.res.statusText), true);
    } catch (error) {
      reportError(error);
      if (!res.headersSent) writeParts(res, event, errorParts(error), false);
      else res.destroy();
    }
  };
}

function writeParts(res: ServerResponse, event: NodeEvent, parts: ResponseParts, withHandlerHeaders: boolean): void {
  if (withHandlerHeaders) copyHeaders(res, event);
  else copySetCookies(res, event);
  if (parts.contentType && !res.hasHeader("content-type")) res.setHeader("content-type", parts.contentType);
  res.statusCode = parts.status;
  if (parts.statusText) res.statusMessage = parts.statusText;
  res.end(parts.body ?? undefined);
}

async function writeResponse(res: ServerResponse, event: NodeEvent, response: Response): Promise<void> {
  copyHeaders(res, event);
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.appendHeader("set-cookie", cookies);
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  res.end(response.body ? new Uint8Array(await response.arrayBuffer()) : undefined);
}

/** Handler headers go on top; Set-Cookie is appended to the session cookies already on `res`. */
function copyHeaders(res: ServerResponse, event: NodeEvent): void {
  const lazy = event.res as { hasHeaders?: boolean };
  if (!lazy.hasHeaders) return;
  for (const [name, value] of event.res.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  copySetCookies(res, event);
}

function copySetCookies(res: ServerResponse, event: NodeEvent): void {
  const lazy = event.res as { hasHeaders?: boolean };
  if (!lazy.hasHeaders) return;
  const cookies = event.res.headers.getSetCookie();
  if (cookies.length > 0) res.appendHeader("set-cookie", cookies);
}
