import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * The gzip size of a cookie-only Worker that uses `useSession`, bundled as
 * wrangler bundles one (esbuild, minified, ESM, no Node built-ins). The brief
 * for the edge: whatever the library adds (adapters, stores) must not grow it.
 * History (all 2026-11-29): about 15,400 bytes at the start of the day,
 * 14,855 after the bundle-size pass, 15,275 once refusals became returned
 * values and a store-mode write stopped resending an unchanged cookie (both
 * on this path). The 200-byte margin absorbs zlib and esbuild (pinned in
 * devDependencies) differences, not features. Lower it when the bundle shrinks.
 */
const LIMIT_GZIP_BYTES = 15_475;

const worker = `
import { toWebHandler, useSession } from "./src/index.ts";
const handler = toWebHandler(async (event) => {
  const session = await useSession(event, { password: "x".repeat(32) });
  await session.update((d) => ({ count: (d.count ?? 0) + 1 }));
  return { count: session.data.count };
});
export default { fetch: handler };
`;

/** The minified bundle of `worker`, resolved with the given export conditions. */
async function bundle(conditions: string[]): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents: worker, loader: "ts", resolveDir: new URL("../..", import.meta.url).pathname },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions,
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error("esbuild wrote nothing");
  return output.contents;
}

describe("a cookie-only Worker bundle", () => {
  // wrangler resolves packages with the conditions workerd, worker and browser.
  for (const conditions of [[], ["workerd", "worker", "browser"]]) {
    it(`stays under ${LIMIT_GZIP_BYTES} bytes gzip (conditions: ${conditions.join(",") || "none"})`, async () => {
      const size = gzipSync(await bundle(conditions), { level: 9 }).length;
      expect(size).toBeLessThanOrEqual(LIMIT_GZIP_BYTES);
    });
  }
});
