import type { IncomingMessage, ServerResponse } from "node:http";
import { type EventIO, firstHeader, kEventIO, nodeIO, nodeIsSecure } from "./io.ts";
import type { EventResponse, HTTPEvent } from "./types.ts";

/**
 * An {@link HTTPEvent} over Node's request and response. Session cookies are
 * written straight to the `ServerResponse`, so they also reach error responses
 * and responses sent by another framework (Express, Fastify, Koa).
 */
export class NodeEvent implements HTTPEvent {
  readonly node: { readonly req: IncomingMessage; readonly res: ServerResponse };
  readonly context: Record<string, unknown> = {};
  readonly res: EventResponse;
  readonly [kEventIO]: EventIO;
  #url: URL | undefined;
  #req: Request | undefined;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.node = { req, res };
    this.res = new LazyResponse();
    this[kEventIO] = nodeIO(req, res, this.context);
  }

  get method(): string {
    return this.node.req.method ?? "GET";
  }

  get url(): URL {
    this.#url ??= requestURL(this.node.req);
    return this.#url;
  }

  get req(): Request {
    if (!this.#req) {
      const req = this.node.req;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else headers.set(name, value);
      }
      const hasBody = this.method !== "GET" && this.method !== "HEAD";
      this.#req = new Request(this.url, {
        method: this.method,
        headers,
        body: hasBody ? bodyStream(req) : null,
        duplex: "half",
      } as RequestInit);
    }
    return this.#req;
  }
}

/**
 * The URL of a Node request. An origin-form target is appended to the origin
 * rather than resolved against it, because resolving reads `//evil.example/admin`
 * as a host and a path. A Host header that is not a plain host (it could move
 * the path, or throw) counts as absent.
 */
function requestURL(req: IncomingMessage): URL {
  const scheme = nodeIsSecure(req) ? "https" : "http";
  const host = firstHeader(req.headers, "host");
  const target = req.url ?? "/";
  // Nearly every request: a plain host and an origin-form target, in one parse.
  // Where it fails, the checks below tell the host's fault from the target's.
  if (host && target.startsWith("/") && PLAIN_HOST.test(host)) {
    try {
      return new URL(`${scheme}://${host}${target}`);
    } catch {}
  }
  const origin = `${scheme}://${host && PLAIN_HOST.test(host) && URL.canParse(`${scheme}://${host}`) ? host : "localhost"}`;
  try {
    // Other targets are absolute-form (from proxies) or `*`, which resolving handles.
    return target.startsWith("/") ? new URL(origin + target) : new URL(target, origin);
  } catch {
    return new URL(`${origin}/`);
  }
}

/** A hostname or IP literal with an optional port; nothing that URL parsing would read as a path. */
const PLAIN_HOST = /^(?:[A-Za-z0-9.\-_~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/;

/**
 * The request body as a web stream, pulled from the request's async iterator.
 * Not `Readable.toWeb`: a static `node:stream` import in the package's entry
 * breaks Worker bundles (esbuild cannot resolve it without `nodejs_compat`).
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  const chunks: AsyncIterator<Uint8Array | string> = req[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(typeof value === "string" ? new TextEncoder().encode(value) : new Uint8Array(value));
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}

class LazyResponse implements EventResponse {
  status = 200;
  statusText?: string;
  #headers: Headers | undefined;

  get headers(): Headers {
    this.#headers ??= new Headers();
    return this.#headers;
  }

  /** True when a handler touched the headers (saves a copy per request otherwise). */
  get hasHeaders(): boolean {
    return this.#headers !== undefined;
  }
}

/**
 * Makes an {@link HTTPEvent} from Node's request and response, for using
 * sessions inside Express, Fastify, Koa or any `node:http` handler.
 *
 * @example
 * app.get("/", async (req, res) => {
 *   const session = await useSession(createEvent(req, res), config);
 *   res.send(`Hello ${session.data.user}`);
 * });
 */
export function createEvent(req: IncomingMessage, res: ServerResponse): HTTPEvent {
  // Middleware and route handlers each call createEvent: they must share the
  // request's context, or each would read and write its own session.
  let event = created.get(res);
  if (event?.node.req !== req) {
    event = new NodeEvent(req, res);
    created.set(res, event);
  }
  return event;
}

const created = new WeakMap<ServerResponse, NodeEvent>();
