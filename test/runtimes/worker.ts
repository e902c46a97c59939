/**
 * A Worker that runs the seal and session conformance suites on each request and answers
 * with the report text: 200 when every case passed, 500 otherwise. Bundled by
 * `bundle.ts` and served by miniflare (workerd) from `workerd.ts`.
 */
import { runConformance } from "./conformance-runner.ts";

export default {
  async fetch(): Promise<Response> {
    const report = await runConformance();
    const ok = report.failed === 0 && report.passed > 0;
    return new Response(`${report.lines.join("\n")}\n`, {
      status: ok ? 200 : 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
