import { MAX_READABLE_CHUNKS } from "./options.ts";

/** h3 v2's marker: the main cookie holds `__chunked__N`, the value is in `<name>.1 … <name>.N`. */
export const CHUNK_MARKER = "__chunked__";

/** The name of chunk `index` (1-based), as h3 v2 names it. */
export function chunkName(name: string, index: number): string {
  return `${name}.${index}`;
}

/** The chunk count of a main-cookie value, or undefined when it is not a valid marker. */
export function chunkCount(value: string | undefined): number | undefined {
  if (!value?.startsWith(CHUNK_MARKER)) return undefined;
  const digits = value.slice(CHUNK_MARKER.length);
  // Bounded before parsing: `__chunked__999999999` costs nothing.
  if (!/^\d{1,3}$/.test(digits)) return undefined;
  const count = Number(digits);
  return count >= 1 && count <= MAX_READABLE_CHUNKS ? count : undefined;
}

/**
 * The highest chunk index among the request's cookies for `name`, whatever
 * the main cookie says: an overlapping response can leave chunks beside a
 * main cookie that is no longer chunked. Indices past h3's limit are ignored.
 */
export function highestChunk(cookies: ReadonlyMap<string, string>, name: string): number {
  let highest = 0;
  const prefix = `${name}.`;
  for (const key of cookies.keys()) {
    if (!key.startsWith(prefix)) continue;
    const digits = key.slice(prefix.length);
    if (!/^\d{1,3}$/.test(digits)) continue;
    const index = Number(digits);
    if (index <= MAX_READABLE_CHUNKS && index > highest) highest = index;
  }
  return highest;
}

/**
 * Reassembles a possibly chunked value from parsed cookies. Returns the plain
 * value, the joined chunks, or undefined when chunks are missing or malformed.
 */
export function readChunked(cookies: ReadonlyMap<string, string>, name: string): string | undefined {
  const main = cookies.get(name);
  if (!main?.startsWith(CHUNK_MARKER)) return main || undefined;
  const count = chunkCount(main);
  if (count === undefined) return undefined;
  let value = "";
  for (let i = 1; i <= count; i++) {
    const chunk = cookies.get(chunkName(name, i));
    if (!chunk) return undefined;
    value += chunk;
  }
  return value;
}

/** Splits an (ASCII) value into pieces of at most `size` characters. */
export function splitValue(value: string, size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += size) chunks.push(value.slice(i, i + size));
  return chunks;
}
