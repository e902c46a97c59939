/** Debian's Chromium, where the browser tests find it (`.ci/run` installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless, and without the networking that makes Chromium call home: a closed network refuses it. */
export const CHROMIUM_ARGS: string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
