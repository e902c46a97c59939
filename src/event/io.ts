import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { setCookieName } from "../cookie/serialize.ts";
import { configError, SessionError } from "../errors.ts";
import { getOrAdd } from "../memo.ts";
import type { AnyEvent, HonoContextLike } from "./types.ts";

/**
 * What the session layer needs from an event, whatever its shape: request
 * headers, the response's Set-Cookie list, per-request state and whether the
 * request arrived over https. Nothing else in the library knows event shapes.
 */
export interface EventIO {
  header(name: string): string | undefined;
  readonly context: Record<string, unknown>;
  /** False when the event has no response (then no cookie is written). */
  readonly canWrite: boolean;
  /**
   * Replaces the Set-Cookie lines whose cookie name `isOwn` claims with `lines`,
   * keeping every other line (and doing the same on an error-response copy).
   */
  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void;
  /**
   * Set when the caller hands the session cookie on itself (React Router's
   * `commitSession` returns it): every write then produces it, even one the
   * client's cookie already covers.
   */
  readonly cookieOnEveryWrite?: boolean;
  /**
   * Called when a session write begins (a verb of the manager, or a cookie
   * about to be set), before the app's code goes on: an adapter that holds its
   * response for writes the app does not await installs the hold here, so a
   * request that writes nothing pays nothing for it.
   */
  beforeWrite?(): void;
  /** True for https, false for http, undefined when unknown. */
  isSecure(): boolean | undefined;
  hostname(): string | undefined;
}

/** Internal hook by which this library's own events expose a faster IO. */
export const kEventIO: unique symbol = Symbol.for("sealed-session.io");

const ios = new WeakMap<object, EventIO>();
const contexts = new WeakMap<object, Record<string, unknown>>();

/** The IO for any accepted event shape, built once per event. */
export function eventIO(event: AnyEvent): EventIO {
  return (event as { [kEventIO]?: EventIO })[kEventIO] ?? getOrAdd(ios, event, buildIO);
}

function buildIO(event: AnyEvent): EventIO {
  if (typeof event !== "object" || event === null) configError("a session function was called without an event");
  const node = (event as { node?: { req?: IncomingMessage; res?: ServerResponse } }).node;
  if (node?.req && node.res && !isRequest((event as { req?: unknown }).req)) {
    return nodeIO(node.req, node.res, contextOf(event));
  }
  if (isHonoContext(event)) return honoIO(event);
  const web = event as { req?: unknown; res?: { headers?: Headers; errHeaders?: Headers }; url?: URL };
  if (isRequest(web.req)) {
    const req = web.req;
    const headers = web.res?.headers;
    const errHeaders = web.res?.errHeaders;
    return {
      header: (name) => req.headers.get(name) ?? undefined,
      context: contextOf(event, req),
      canWrite: headers !== undefined,
      replaceCookies(isOwn, lines) {
        if (!headers) return;
        replaceInHeaders(headers, isOwn, lines);
        // h3 v2 sends errHeaders with error responses: keep the session there too.
        if (errHeaders) replaceInHeaders(errHeaders, isOwn, lines);
      },
      isSecure: () => protocolOf(web.url ?? req.url),
      hostname: () => hostnameOf(web.url ?? req.url),
    };
  }
  configError(
    "unsupported event: expected an HTTPEvent, an h3 event, a Hono Context, or { req: Request, res?: { headers } }",
  );
}

function isHonoContext(event: object): event is HonoContextLike {
  const c = event as Partial<HonoContextLike>;
  return typeof c.header === "function" && isRequest(c.req?.raw);
}

/** Hono's Context: the web Request under `req.raw`, response headers through `c.header`. */
function honoIO(c: HonoContextLike): EventIO {
  const req = c.req.raw;
  return {
    header: (name) => req.headers.get(name) ?? undefined,
    context: contextOf(c),
    canWrite: true,
    replaceCookies(isOwn, lines) {
      // Through c.header, not c.res.headers: once the response is final its headers
      // may be immutable, and c.header copies the response first.
      const next = mergeSetCookies(c.res.headers.getSetCookie(), isOwn, lines);
      c.header("set-cookie", undefined);
      for (const line of next) c.header("set-cookie", line, { append: true });
    },
    isSecure: () => protocolOf(req.url),
    hostname: () => hostnameOf(req.url),
  };
}

/** IO over Node's request and response objects: no `Request` is ever built. */
export function nodeIO(req: IncomingMessage, res: ServerResponse, context: Record<string, unknown>): EventIO {
  return new NodeIO(req, res, context);
}

/** A class, not a literal of closures: one allocation per request, shared methods. */
class NodeIO implements EventIO {
  readonly canWrite = true;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly context: Record<string, unknown>;

  constructor(req: IncomingMessage, res: ServerResponse, context: Record<string, unknown>) {
    this.#req = req;
    this.#res = res;
    this.context = context;
  }

  header(name: string): string | undefined {
    return firstHeader(this.#req.headers, name);
  }

  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void {
    const res = this.#res;
    if (res.headersSent) {
      throw new SessionError(
        "ERR_HEADERS_SENT",
        "cannot set the session cookie: the response headers were already sent (await the session write before responding)",
      );
    }
    const value = res.getHeader("set-cookie");
    const current = value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
    const next = mergeSetCookies(current, isOwn, lines);
    if (next.length === 0) res.removeHeader("set-cookie");
    else res.setHeader("set-cookie", next);
  }

  isSecure(): boolean {
    return nodeIsSecure(this.#req);
  }

  hostname(): string | undefined {
    return hostOf(firstHeader(this.#req.headers, "host") ?? "localhost");
  }
}

/** The last Host header and its hostname: a URL parse per cookie write is measurable, hosts rarely change. */
let lastHost: { readonly host: string; readonly hostname: string | undefined } | undefined;

export function hostOf(host: string): string | undefined {
  if (lastHost?.host !== host) lastHost = { host, hostname: hostnameOf(`http://${host}`) };
  return lastHost.hostname;
}

/** Node's header lookup, joining repeated Cookie headers as a browser would. */
export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  return name === "cookie" ? value.join("; ") : value[0];
}

export function nodeIsSecure(req: IncomingMessage): boolean {
  return Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted);
}

/** `current` without the lines `isOwn` claims, then `lines`. */
export function mergeSetCookies(
  current: readonly string[],
  isOwn: (name: string) => boolean,
  lines: readonly string[],
): string[] {
  return [...current.filter((line) => !isOwn(setCookieName(line))), ...lines];
}

/** Applies {@link mergeSetCookies} to a `Headers` object. */
export function replaceInHeaders(headers: Headers, isOwn: (name: string) => boolean, lines: readonly string[]): void {
  const next = mergeSetCookies(headers.getSetCookie(), isOwn, lines);
  headers.delete("set-cookie");
  for (const line of next) headers.append("set-cookie", line);
}

function contextOf(event: object, req?: object): Record<string, unknown> {
  const own = (event as { context?: unknown }).context;
  if (typeof own === "object" && own !== null) return own as Record<string, unknown>;
  // Plain { req } objects may be rebuilt per call: key their state on the Request.
  return getOrAdd(contexts, req ?? event, () => ({}));
}

function isRequest(value: unknown): value is Request {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Request).headers?.get === "function" &&
    typeof (value as Request).url === "string"
  );
}

function protocolOf(url: URL | string): boolean | undefined {
  const text = typeof url === "string" ? url : url.protocol;
  if (text.startsWith("https:")) return true;
  if (text.startsWith("http:")) return false;
  return undefined;
}

function hostnameOf(url: URL | string): string | undefined {
  try {
    return (typeof url === "string" ? new URL(url) : url).hostname;
  } catch {
    return undefined;
  }
}
