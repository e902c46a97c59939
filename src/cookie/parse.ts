/**
 * Parses a Cookie header as cookie-es (and so h3) does: pairs split at `;`,
 * names and values trimmed of spaces and tabs, a pair without `=` skipped,
 * values percent-decoded when they decode, the first value of a name kept
 * (browsers send the most specific cookie first). Written here rather than
 * imported so that a Worker bundle carries only what sessions need.
 */
export function parseCookieHeader(header: string): Record<string, string | undefined> {
  // No prototype: a cookie named `constructor` or `__proto__` is data, never an inherited member.
  const cookies: Record<string, string | undefined> = Object.create(null);
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    const name = trim(pair.slice(0, eq));
    cookies[name] ??= decode(trim(pair.slice(eq + 1)));
  }
  return cookies;
}

/** Spaces and tabs off both ends; a loop, as a regex with `$` scans all of a 4 KB value. */
function trim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
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
