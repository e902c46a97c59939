import type { IncomingMessage, ServerResponse } from "node:http";
import { SessionError } from "../errors.ts";
import { type EventIO, kEventIO, mergeSetCookies, nodeIO } from "../event/io.ts";
import type { H3EventV1Like } from "../event/types.ts";
import { hasPending, settled } from "../session/pending.ts";
import type { SessionConfig } from "../session/types.ts";
import { failedWrite, failureText, reportFailure } from "./unawaited.ts";

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
  /** Hold the response at the first write (Express, Connect); Koa holds its own way. */
  readonly #hold: boolean;
  #holding = false;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    view: RequestView,
    onError: SessionConfig["onError"],
    hold = false,
  ) {
    this.#base = nodeIO(req, res, this.context);
    this.#res = res;
    this.#view = view;
    this.#onError = onError;
    this.#hold = hold;
    this.event = { node: { req, res }, context: this.context, [kEventIO]: this };
  }

  beforeWrite(): void {
    if (!this.#hold || this.#holding) return;
    this.#holding = true;
    holdResponse(this.#res, this);
  }

  header(name: string): string | undefined {
    return this.#base.header(name);
  }

  replaceCookies(isOwn: (name: string) => boolean, lines: readonly string[]): void {
    // A cookie set while the request is read (a reseal) must survive a `writeHead` with headers too.
    this.beforeWrite();
    if (this.#res.headersSent) {
      this.report(
        new SessionError(
          "ERR_HEADERS_SENT",
          "a session write came after the response headers were sent; the cookie was not updated",
        ),
      );
      return;
    }
    this.ownCookies = mergeSetCookies(this.ownCookies, isOwn, lines);
    this.#base.replaceCookies(isOwn, lines);
  }

  /** Tells `onError` (or the console, without one) about a failure no caller will see. */
  report(error: SessionError): void {
    reportFailure({ onError: this.#onError }, this.event, error);
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
 * What a held response keeps: the IO of each session middleware on it (two
 * configs may each add one), the methods it replaced, and a `writeHead` call
 * waiting for `end`.
 */
interface Held {
  readonly ios: FrameworkIO[];
  readonly writeHead: ServerResponse["writeHead"];
  readonly write: ServerResponse["write"];
  readonly end: ServerResponse["end"];
  head: unknown[] | undefined;
  streaming: boolean;
}

/**
 * Held responses' state, beside them rather than on them: adding a property to
 * Express's `res` (whose prototype Express swaps per request) costs V8 about
 * 3 µs each time, a `WeakMap` entry a tenth of that.
 */
const helds = new WeakMap<ServerResponse, Held>();

/**
 * Holds the response while a session operation of the request is running, so
 * an update the handler did not await still sets its cookie before the headers
 * leave: express-session's habit (`req.session.x = 1; res.json(…)`), and
 * Connect's `res.writeHead(302, …); res.end()`. `writeHead` is held until `end`
 * (a body write sends it at once), and headers passed to it keep the session's
 * Set-Cookie lines, which Node would otherwise replace. Installed at the
 * request's first session write (`FrameworkIO.beforeWrite`), so a request that
 * only reads pays nothing; the replacements are shared functions, not
 * closures made per request, and a second session middleware joins the first's hold.
 */
export function holdResponse(res: ServerResponse, io: FrameworkIO): void {
  const held = helds.get(res);
  if (held) {
    held.ios.push(io);
    return;
  }
  const { writeHead, write, end } = res;
  helds.set(res, { ios: [io], writeHead, write, end, head: undefined, streaming: false });
  res.writeHead = heldWriteHead as ServerResponse["writeHead"];
  res.write = sentWrite as ServerResponse["write"];
  res.end = heldEnd as ServerResponse["end"];
}

function heldOf(res: ServerResponse): Held {
  return helds.get(res) as Held;
}

function pending(held: Held): boolean {
  return held.ios.some(hasPending);
}

function sendHead(res: ServerResponse, args: unknown[]): ServerResponse {
  const held = heldOf(res);
  const own = held.ios.length === 1 ? (held.ios[0] as FrameworkIO).ownCookies : held.ios.flatMap((io) => io.ownCookies);
  return held.writeHead.apply(res, withOwnCookies(args, own) as never);
}

function flushHead(res: ServerResponse): void {
  const held = heldOf(res);
  if (held.head) sendHead(res, held.head);
  held.head = undefined;
}

function heldWriteHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
  const held = heldOf(this);
  if (held.streaming || !pending(held)) return sendHead(this, args);
  held.head = args;
  return this;
}

function sentWrite(this: ServerResponse, ...args: unknown[]): boolean {
  const held = heldOf(this);
  flushHead(this);
  held.streaming = true;
  return held.write.apply(this, args as never);
}

function heldEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
  const held = heldOf(this);
  if (!pending(held)) {
    flushHead(this);
    return held.end.apply(this, args as never);
  }
  void Promise.all(held.ios.map(async (io) => ({ io, failure: failedWrite(await settled(io)) }))).then((outcomes) => {
    // A write the app did not await failed (a store outage): its response
    // must not claim success, as an awaited write would have thrown.
    const failed = outcomes.filter((outcome) => outcome.failure);
    const first = failed[0]?.failure;
    if (first && !this.headersSent) {
      for (const { io, failure } of failed) if (failure) io.report(failure);
      held.head = undefined;
      for (const name of this.getHeaderNames()) this.removeHeader(name);
      this.statusCode = first.status;
      this.setHeader("content-type", "text/plain; charset=utf-8");
      this.setHeader("cache-control", "no-store");
      held.end.apply(this, [failureText(first)] as never);
      return;
    }
    flushHead(this);
    held.end.apply(this, args as never);
  });
  return this;
}

/** `writeHead`'s arguments with the session's lines added to a Set-Cookie header given there. */
function withOwnCookies(args: unknown[], own: readonly string[]): unknown[] {
  const index = typeof args[1] === "string" ? 2 : 1;
  const headers = args[index];
  if (own.length === 0 || typeof headers !== "object" || headers === null || Array.isArray(headers)) return args;
  const key = Object.keys(headers).find((name) => name.toLowerCase() === "set-cookie");
  if (key === undefined) return args;
  const value = (headers as Record<string, unknown>)[key];
  const lines = Array.isArray(value) ? value.map(String) : [String(value)];
  const copy = [...args];
  copy[index] = { ...headers, [key]: [...lines, ...own.filter((line) => !lines.includes(line))] };
  return copy;
}
