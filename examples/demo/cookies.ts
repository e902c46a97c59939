/** One cookie of the session family, as the browser sent it. */
export interface CookieSize {
  readonly name: string;
  /** Bytes of `name=value` in the Cookie header. */
  readonly bytes: number;
}

/** What the request's Cookie header says about the session cookie. */
export interface CookieStats {
  /** The main cookie, then each chunk, as sent. */
  readonly cookies: readonly CookieSize[];
  /** Chunks announced by the main cookie's `__chunked__N`; 0 for a single cookie. */
  readonly chunks: number;
  /** Bytes of the session's cookies together. */
  readonly sessionBytes: number;
  /** Bytes of the whole Cookie header, other cookies included. */
  readonly headerBytes: number;
}

/**
 * Measures the session's cookies in a Cookie header: the main cookie `name`
 * and its chunks `name.1 … name.N`. This is what the browser actually sent,
 * not what the server thinks it wrote.
 */
export function cookieStats(header: string | null, name: string): CookieStats {
  const pairs = (header ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter(Boolean);
  const family = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\.\\d+)?=`);
  const cookies = pairs
    .filter((pair) => family.test(pair))
    .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), bytes: byteLength(pair) }))
    .sort((a, b) => chunkIndex(a.name) - chunkIndex(b.name));
  const main = pairs.find((pair) => pair.startsWith(`${name}=`));
  const chunks = Number(/=__chunked__(\d+)$/.exec(main ?? "")?.[1] ?? 0);
  return {
    cookies,
    chunks,
    sessionBytes: cookies.reduce((sum, cookie) => sum + cookie.bytes, 0),
    headerBytes: byteLength(header ?? ""),
  };
}

function chunkIndex(name: string): number {
  return Number(/\.(\d+)$/.exec(name)?.[1] ?? 0);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
