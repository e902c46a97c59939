import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CHROMIUM, CHROMIUM_ARGS } from "../helpers/chromium.ts";

/**
 * When the framework-app suites run. They install from npm and build, so a
 * user can opt out with SEALED_SESSION_SKIP_APPS=1 (said in one line); CI
 * never skips them. The browser parts need Debian's Chromium: skipped with one
 * line when it is missing, a failure under CI.
 */
export const appsSkipped = Boolean(process.env.SEALED_SESSION_SKIP_APPS) && !process.env.CI;
if (appsSkipped) console.warn("skipping the framework app tests: SEALED_SESSION_SKIP_APPS is set");

export const SCREENSHOTS = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));

export const chromiumRun = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!chromiumRun && !appsSkipped) {
  console.warn(`skipping the framework apps' browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);
}

export { CHROMIUM, CHROMIUM_ARGS };
