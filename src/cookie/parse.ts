/**
 * Parses a Cookie header as cookie-es (and so h3) does: pairs split at `;`,
 * names and values trimmed of spaces and tabs, a pair without `=` skipped,
 * values percent-decoded when they decode, the first value of a name kept
 * (browsers send the most specific cookie first). Written here rather than
 * imported so that a Worker bundle carries only what sessions need.
 */
export function parseCookieHeader(header: string): Map<string, string> {
  // A Map: a cookie named `constructor` or `__proto__` is data, never an inherited member, and
  // storing a name sliced from the header costs a Map far less than a prototype-less object.
  const cookies = new Map<string, string>();
  // Indexes, not split(): no array and no intermediate string per pair.
  for (let start = 0; start < header.length; ) {
    let end = header.indexOf(";", start);
    if (end === -1) end = header.length;
    const eq = header.indexOf("=", start);
    if (eq !== -1 && eq < end) {
      const name = trim(header, start, eq);
      if (!cookies.has(name)) cookies.set(name, decode(trim(header, eq + 1, end)));
    }
    start = end + 1;
  }
  return cookies;
}

/** `text` from `start` to `end`, spaces and tabs off both ends (a loop: a regex with `$` scans all of a 4 KB value). */
function trim(text: string, start: number, end: number): string {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function decode(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
