/**
 * Command-line entry of the portable seal and session conformance runner: prints one line
 * per case and backend, closes with `N passed, N failed`, and exits non-zero
 * on any failure.
 *
 *   bun test/runtimes/run-conformance.ts
 *   deno run -A test/runtimes/run-conformance.ts
 *   node test/runtimes/run-conformance.ts     (Node 24, Node ≥ 22.18; 22.6–22.17 need
 *                                               --experimental-strip-types)
 *
 * Node 20 cannot strip types: it runs the bundle that `bundle.ts` makes.
 */
import { runConformance } from "./conformance-runner.ts";

const report = await runConformance((line) => console.log(line));
if (report.failed > 0 || report.passed === 0) {
  const g = globalThis as { process?: { exitCode?: number }; Deno?: { exit(code: number): never } };
  if (g.Deno) g.Deno.exit(1);
  if (g.process) g.process.exitCode = 1;
}
