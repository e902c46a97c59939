import { SessionError } from "../errors.ts";
import { HTTPError } from "./http-error.ts";

/** A handler's result reduced to what any server can send. */
export interface ResponseParts {
  status: number;
  statusText?: string | undefined;
  /** Headers the body implies (content type); handler headers are merged by the adapter. */
  contentType?: string | undefined;
  body: string | Uint8Array | null;
}

/**
 * Turns a handler's return value into response parts: string → HTML,
 * JSON-able values → JSON, bytes → octet-stream, nothing → 204.
 * `Response` objects are handled by the adapters, which merge cookies into them.
 */
export function toResponseParts(value: unknown, status: number, statusText?: string): ResponseParts {
  if (value === undefined || value === null) return { status: status === 200 ? 204 : status, statusText, body: null };
  if (typeof value === "string") return { status, statusText, contentType: "text/html; charset=utf-8", body: value };
  if (value instanceof Uint8Array) return { status, statusText, contentType: "application/octet-stream", body: value };
  return { status, statusText, contentType: "application/json; charset=utf-8", body: JSON.stringify(value) };
}

/**
 * The response for a thrown error: an {@link HTTPError} keeps its status and
 * message, a store outage answers 503 with its code, anything else is a 500
 * whose body says nothing about the internals.
 */
export function errorParts(error: unknown): ResponseParts {
  if (error instanceof HTTPError) return json(error.status, { status: error.status, message: error.message });
  if (error instanceof SessionError && error.status !== 500) {
    return json(error.status, { status: error.status, code: error.code, message: error.message });
  }
  return json(500, { status: 500, message: "Internal Server Error" });
}

function json(status: number, body: unknown): ResponseParts {
  return { status, contentType: "application/json; charset=utf-8", body: JSON.stringify(body) };
}

/** Logs unexpected errors (5xx that are not a deliberate HTTPError). */
export function reportError(error: unknown): void {
  if ((error instanceof HTTPError || error instanceof SessionError) && error.status < 500) return;
  console.error("[sealed-session] request failed:", error);
}
