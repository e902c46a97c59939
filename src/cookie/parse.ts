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

function trim(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}

function decode(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
