import type { ResolvedCookieOptions } from "./options.ts";

/** Per-write facts that change the attributes: lifetime and the request's scheme. */
export interface CookieWrite {
  /** Absolute expiry (ms since epoch) or undefined for a browser-session cookie. */
  readonly expires: number | undefined;
  /** Whether to send `Secure` (resolves `secure: "auto"`). */
  readonly secure: boolean;
}

/**
 * The attribute part of a Set-Cookie header (`; Path=/; HttpOnly; …`), built
 * once per write and shared by every chunk. Values are already validated.
 */
export function cookieAttributes(o: ResolvedCookieOptions, write: CookieWrite): string {
  let out = `; Path=${o.path}`;
  if (o.domain) out += `; Domain=${o.domain}`;
  // A fixed cookie lifetime wins over the session's, and Expires says the same as Max-Age.
  const expires = o.expires?.getTime() ?? (o.maxAge !== undefined ? Date.now() + o.maxAge * 1000 : write.expires);
  if (o.maxAge !== undefined) out += `; Max-Age=${Math.floor(o.maxAge)}`;
  else if (expires !== undefined) out += `; Max-Age=${Math.max(0, Math.floor((expires - Date.now()) / 1000))}`;
  if (expires !== undefined) out += `; Expires=${new Date(expires).toUTCString()}`;
  if (o.httpOnly) out += "; HttpOnly";
  if (write.secure) out += "; Secure";
  if (o.sameSite) out += `; SameSite=${o.sameSite[0]?.toUpperCase()}${o.sameSite.slice(1)}`;
  if (o.partitioned) out += "; Partitioned";
  if (o.priority) out += `; Priority=${o.priority[0]?.toUpperCase()}${o.priority.slice(1)}`;
  return out;
}

/** Attributes that delete a cookie: same Path/Domain, `Max-Age=0`, an expiry in the past. */
export function deletionAttributes(o: ResolvedCookieOptions, secure: boolean): string {
  let out = `; Path=${o.path}`;
  if (o.domain) out += `; Domain=${o.domain}`;
  out += "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  if (o.httpOnly) out += "; HttpOnly";
  if (secure) out += "; Secure";
  if (o.sameSite) out += `; SameSite=${o.sameSite[0]?.toUpperCase()}${o.sameSite.slice(1)}`;
  if (o.partitioned) out += "; Partitioned";
  return out;
}

/** Name of a Set-Cookie header line (`name=value; …` → `name`). */
export function setCookieName(line: string): string {
  const eq = line.indexOf("=");
  return (eq === -1 ? line : line.slice(0, eq)).trim();
}
