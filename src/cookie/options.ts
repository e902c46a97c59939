import { checkNumber, checkOneOf } from "../config-checks.ts";
import { configError } from "../errors.ts";

/**
 * Attributes of the session cookie, plus how it is split when large. Merged
 * over `Path=/; HttpOnly; Secure; SameSite=Lax`; an attribute that would
 * corrupt the header (`;`, CR/LF) or `sameSite: "none"` with `secure: false`
 * throws `ERR_CONFIG` at the first call.
 *
 * @example
 * const cookie: CookieOptions = { secure: "auto", sameSite: "strict", domain: "example.com" };
 * const config: SessionConfig = { password: process.env.SESSION_SECRET!, cookie };
 */
export interface CookieOptions {
  /** Default `/`. */
  path?: string;
  domain?: string;
  /** Default `true`: page scripts cannot read the session. */
  httpOnly?: boolean;
  /** Default `true`. `"auto"` sets `Secure` except for plain-http requests to localhost. */
  secure?: boolean | "auto";
  /** Default `"lax"`. `"none"` requires `secure`; `true` means `"strict"`, `false` omits the attribute. */
  sameSite?: "lax" | "strict" | "none" | boolean;
  /** Cookie lifetime in whole seconds, 1 to 400 days (the browsers' cap), overriding the one derived from the session's lifetimes. */
  maxAge?: number;
  /** Fixed expiry date, overriding the one derived from the session's lifetimes. */
  expires?: Date;
  partitioned?: boolean;
  priority?: "low" | "medium" | "high";
  /** Longest cookie value before the session is split into chunks: 100 to 4096. Default 4000, as in h3 v2. */
  chunkMaxLength?: number;
  /** Most chunks a session may write: 1 to 100. Default 4 (up to 100 are read, as in h3). */
  maxChunks?: number;
  /**
   * Longest session token, all chunks together. Default 14 KiB: the browser
   * sends every chunk back in one Cookie header, and Node refuses requests whose
   * headers pass 16 KiB (`--max-http-header-size`).
   */
  maxTotalLength?: number;
}

/** Cookie attributes after defaults and validation. */
export interface ResolvedCookieOptions {
  readonly path: string;
  readonly domain: string | undefined;
  readonly httpOnly: boolean;
  readonly secure: boolean | "auto";
  readonly sameSite: "lax" | "strict" | "none" | undefined;
  readonly maxAge: number | undefined;
  readonly expires: Date | undefined;
  readonly partitioned: boolean;
  readonly priority: "low" | "medium" | "high" | undefined;
  readonly chunkMaxLength: number;
  readonly maxChunks: number;
  readonly maxTotalLength: number;
}

/** h3's defaults, plus `SameSite=Lax`. */
export const DEFAULT_COOKIE: Readonly<CookieOptions> = Object.freeze({
  path: "/",
  httpOnly: true,
  secure: true,
  sameSite: "lax",
});
export const DEFAULT_CHUNK_MAX_LENGTH = 4000;
export const DEFAULT_MAX_CHUNKS = 4;
export const DEFAULT_MAX_TOTAL_LENGTH = 14 * 1024;
/** h3 refuses more chunks than this; so do we, when reading. */
export const MAX_READABLE_CHUNKS = 100;
/** Browsers cap a cookie's lifetime at 400 days (RFC 6265bis). */
export const MAX_COOKIE_AGE_SEC = 400 * 24 * 3600;
/** What browsers guarantee for one cookie: name, value and attributes together. */
export const MAX_COOKIE_BYTES = 4096;

/** An HTTP token (RFC 9110): what cookie and header names are made of. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Printable ASCII but ';' (which would start a new attribute).
const ATTRIBUTE_VALUE = /^[\u0020-\u003A\u003C-\u007E]*$/;

/** Checks a cookie name: an HTTP token, as RFC 6265 requires. */
export function assertCookieName(name: string): void {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    configError(
      `invalid cookie name ${JSON.stringify(String(name).slice(0, 64))}: use letters, digits and !#$%&'*+-.^_\`|~`,
    );
  }
}

/** Merges over the defaults and fails fast on attributes that would corrupt a header. */
export function resolveCookieOptions(options: CookieOptions | undefined): ResolvedCookieOptions {
  const o = { ...DEFAULT_COOKIE, ...options };
  const path = o.path ?? "/";
  if (!ATTRIBUTE_VALUE.test(path)) configError("cookie path must be printable ASCII without ';', CR or LF");
  if (o.domain !== undefined && (!ATTRIBUTE_VALUE.test(o.domain) || o.domain.includes(" "))) {
    configError("cookie domain must be printable ASCII without spaces, ';', CR or LF");
  }
  // Any case, as cookie-es (h3) takes it: an h3 config with "Lax" must keep working.
  const given: unknown = o.sameSite;
  const sameSite =
    given === true ? "strict" : given === false || given === undefined ? undefined : String(given).toLowerCase();
  checkOneOf(sameSite, "cookie sameSite", ["lax", "strict", "none"]);
  checkOneOf(o.secure, "cookie secure", [true, false, "auto"]);
  const secure = o.secure ?? true;
  if (sameSite === "none" && secure === false)
    configError('cookie sameSite "none" requires secure: browsers drop it otherwise');
  // Max-Age is whole seconds; 0 deletes the cookie at once, and browsers cap it at 400 days.
  if (o.maxAge !== undefined) checkNumber(o.maxAge, "cookie maxAge (seconds)", 1, MAX_COOKIE_AGE_SEC, true);
  if (o.expires !== undefined && !(o.expires instanceof Date && Number.isFinite(o.expires.getTime()))) {
    configError("cookie expires must be a valid Date");
  }
  const chunkMaxLength = o.chunkMaxLength ?? DEFAULT_CHUNK_MAX_LENGTH;
  checkNumber(chunkMaxLength, "cookie chunkMaxLength", 100, MAX_COOKIE_BYTES, true);
  const maxChunks = o.maxChunks ?? DEFAULT_MAX_CHUNKS;
  checkNumber(maxChunks, "cookie maxChunks", 1, MAX_READABLE_CHUNKS, true);
  checkOneOf(o.priority, "cookie priority", ["low", "medium", "high"]);
  checkOneOf(o.httpOnly, "cookie httpOnly", [true, false]);
  checkOneOf(o.partitioned, "cookie partitioned", [true, false]);
  const maxTotalLength = o.maxTotalLength ?? DEFAULT_MAX_TOTAL_LENGTH;
  checkNumber(maxTotalLength, "cookie maxTotalLength", 100, undefined, true);
  return {
    maxTotalLength,
    path,
    domain: o.domain,
    httpOnly: o.httpOnly ?? true,
    secure,
    sameSite: sameSite as ResolvedCookieOptions["sameSite"],
    maxAge: o.maxAge,
    expires: o.expires,
    partitioned: o.partitioned ?? false,
    priority: o.priority,
    chunkMaxLength,
    maxChunks,
  };
}
