import { CHUNK_MARKER, chunkCount, chunkName, highestChunk, readChunked, splitValue } from "../cookie/chunks.ts";
import { MAX_COOKIE_BYTES, type ResolvedCookieOptions } from "../cookie/options.ts";
import { parseCookieHeader } from "../cookie/parse.ts";
import { cookieAttributes, deletionAttributes } from "../cookie/serialize.ts";
import { SessionError } from "../errors.ts";
import type { EventIO } from "../event/io.ts";
import type { ResolvedConfig } from "./config.ts";
import { warnOnce } from "./warnings.ts";

/** Cookies the request carried, parsed once per request. */
const kCookies: unique symbol = Symbol.for("sealed-session.cookies.map");
/** Highest chunk index this response has written per session name. */
const kWritten: unique symbol = Symbol.for("sealed-session.chunks-written");

/** The request's cookies (first value wins, as browsers send the most specific first). */
export function requestCookies(io: EventIO): ReadonlyMap<string, string> {
  const context = io.context as { [kCookies]?: ReadonlyMap<string, string> };
  let cookies = context[kCookies];
  if (!cookies) {
    cookies = parseCookieHeader(io.header("cookie") ?? "");
    context[kCookies] = cookies;
  }
  return cookies;
}

/** The session token from the request's cookies, reassembling chunks. */
export function readSessionCookie(io: EventIO, name: string): string | undefined {
  return readChunked(requestCookies(io), name);
}

/**
 * Writes the session token as one cookie or as h3 v2 chunks, deleting chunks
 * the browser holds that the new value no longer uses. Every line is built
 * and checked first, so an oversized session throws before any header changes.
 */
export function writeSessionCookie(
  io: EventIO,
  config: ResolvedConfig,
  token: string,
  expires: number | undefined,
): void {
  const options = config.cookie;
  if (!options || !io.canWrite) return;
  const name = config.name;
  const secure = resolveSecure(io, config, options);
  const attributes = cookieAttributes(options, { expires, secure });
  if (token.length > options.maxTotalLength) {
    throw new SessionError(
      "ERR_SESSION_TOO_LARGE",
      `session "${name}" seals to ${token.length} characters, over cookie.maxTotalLength (${options.maxTotalLength}). Keep less in the session or use a store.`,
    );
  }
  const lines: string[] = [];
  let used = 0;
  // Lengths are byte counts: names are tokens, values seals, and attributes are
  // refused at configuration unless printable ASCII.
  const single = `${name}=${token}${attributes}`;
  if (token.length <= options.chunkMaxLength && single.length <= MAX_COOKIE_BYTES) {
    lines.push(single);
  } else {
    const overhead = `${name}.${options.maxChunks}=${attributes}`.length;
    const size = Math.min(options.chunkMaxLength, MAX_COOKIE_BYTES - overhead);
    const chunks = size > 0 ? splitValue(token, size) : [];
    if (chunks.length === 0 || chunks.length > options.maxChunks) {
      throw new SessionError(
        "ERR_SESSION_TOO_LARGE",
        `session "${name}" needs ${Math.ceil(token.length / Math.max(size, 1))} cookies of ${size} characters; the limit is ${options.maxChunks} (cookie.maxChunks). Keep less in the session or use a store.`,
      );
    }
    lines.push(`${name}=${CHUNK_MARKER}${chunks.length}${attributes}`);
    for (const [i, chunk] of chunks.entries()) lines.push(`${chunkName(name, i + 1)}=${chunk}${attributes}`);
    used = chunks.length;
  }
  const total = lines.reduce((sum, line) => sum + line.length, 0);
  if (total > MAX_COOKIE_BYTES * 0.9 && used <= 1) {
    warnOnce(
      config.source.onWarning,
      "COOKIE_NEAR_LIMIT",
      `sealed-session: session "${name}" is ${total} bytes, near the ${MAX_COOKIE_BYTES}-byte cookie limit; larger sessions are split into chunks`,
    );
  }
  replaceFamily(io, config, options, lines, used, secure);
}

/** Deletes the session cookie and every chunk the browser may hold. */
export function deleteSessionCookie(io: EventIO, config: ResolvedConfig): void {
  const options = config.cookie;
  if (!options || !io.canWrite) return;
  const secure = resolveSecure(io, config, options);
  const lines = [`${config.name}=${deletionAttributes(options, secure)}`];
  replaceFamily(io, config, options, lines, 0, secure);
}

function replaceFamily(
  io: EventIO,
  config: ResolvedConfig,
  options: ResolvedCookieOptions,
  lines: string[],
  used: number,
  secure: boolean,
): void {
  const name = config.name;
  const written = io.context as { [kWritten]?: Record<string, number> };
  written[kWritten] ??= {};
  const writtenByName = written[kWritten];
  const cookies = requestCookies(io);
  const held = Math.max(chunkCount(cookies.get(name)) ?? 0, highestChunk(cookies, name), writtenByName[name] ?? 0);
  if (held > used) {
    const deletion = deletionAttributes(options, secure);
    for (let i = used + 1; i <= held; i++) lines.push(`${chunkName(name, i)}=${deletion}`);
  }
  writtenByName[name] = Math.max(used, held);
  io.replaceCookies((cookieName) => belongsTo(cookieName, name), lines);
}

/** True for the session's own cookie names: `name` and `name.<n>`. */
function belongsTo(cookieName: string, name: string): boolean {
  if (cookieName === name) return true;
  return cookieName.startsWith(`${name}.`) && /^\d+$/.test(cookieName.slice(name.length + 1));
}

function resolveSecure(io: EventIO, config: ResolvedConfig, options: ResolvedCookieOptions): boolean {
  const https = io.isSecure();
  const local = isLocalhost(io.hostname());
  // Browsers drop SameSite=None without Secure, even on localhost.
  if (options.secure === "auto") return options.sameSite === "none" || !(https === false && local);
  if (options.secure && https === false && !local) {
    warnOnce(
      config.source.onWarning,
      "SECURE_ON_HTTP",
      `sealed-session: cookie "${config.name}" is Secure but the request came over plain http to a non-localhost host; browsers will not send it back. Serve over https or set cookie.secure to "auto" behind a TLS proxy.`,
    );
  }
  return options.secure;
}

function isLocalhost(hostname: string | undefined): boolean {
  return (
    hostname === "localhost" ||
    hostname === "127.0.0.1" ||
    hostname === "[::1]" ||
    hostname === "::1" ||
    (hostname?.endsWith(".localhost") ?? false)
  );
}
