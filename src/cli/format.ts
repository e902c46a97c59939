/** An instant as ISO 8601 and relative to now: `2026-01-01T10:00:00.000Z (in 59 min)`. */
export function formatInstant(at: number, now: number): string {
  return `${new Date(at).toISOString()} (${formatRelative(at - now)})`;
}

/** `in 5 min`, `3 h 2 min ago`, `now`. */
export function formatRelative(deltaMs: number): string {
  if (Math.abs(deltaMs) < 1000) return "now";
  const span = formatDuration(Math.abs(deltaMs));
  return deltaMs > 0 ? `in ${span}` : `${span} ago`;
}

/** A duration in its two largest units: `45 s`, `12 min 5 s`, `2 d 3 h`. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1000],
  ];
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [label, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count} ${label}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((part) => !part.startsWith("0 "));
  return shown.length > 0 ? shown.join(" ") : "0 s";
}

/** Aligned `label  value` lines for a human report. */
export function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n");
}

/**
 * Pretty JSON, for data in a report and for `--json` output. Absent facts
 * (no expiration, no cookie name) print as `null`, so that scripts see every key.
 */
export function json(value: unknown): string {
  return JSON.stringify(value, (_, field: unknown) => (field === undefined ? null : field), 2);
}
