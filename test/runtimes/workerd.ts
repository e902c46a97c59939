/**
 * Runs the bundled conformance Worker (`bundle.ts` → `worker.mjs`) on workerd
 * through miniflare, twice: as a plain Worker, and with `nodejs_compat`, where
 * the platform backend may pick the runtime's `node:crypto`. Prints each report
 * and closes with the combined `N passed, N failed`; exits non-zero on any
 * failure.
 *
 * miniflare (and the workerd binary it ships) lives in `.runtimes/`, not in
 * this package's devDependencies: see `scripts/runtimes.sh`.
 *
 * Usage: node test/runtimes/workerd.ts [build-dir] [runtimes-dir]   (Node ≥ 22.18)
 */
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The part of miniflare's API used here. */
interface MiniflareWorker {
  name: string;
  modules: boolean;
  scriptPath: string;
  modulesRoot: string;
  compatibilityDate: string;
  compatibilityFlags?: string[];
}
interface MiniflareInstance {
  getWorker(name: string): Promise<{ fetch(url: string): Promise<Response> }>;
  dispose(): Promise<void>;
}
interface MiniflareModule {
  Miniflare: new (options: { workers: MiniflareWorker[] }) => MiniflareInstance;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const buildDir = resolve(process.argv[2] ?? join(root, ".runtimes/build"));
const runtimesDir = resolve(process.argv[3] ?? join(root, ".runtimes"));
const TIMEOUT_MS = 120_000;
/** Pinned so a workerd upgrade changes behaviour only when this date moves. */
const COMPATIBILITY_DATE = "2026-07-01";

const timer = setTimeout(() => {
  console.error(`workerd: no answer within ${TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TIMEOUT_MS);
timer.unref();

const entry = createRequire(join(runtimesDir, "package.json")).resolve("miniflare");
const { Miniflare } = (await import(pathToFileURL(entry).href)) as MiniflareModule;
const scriptPath = join(buildDir, "worker.mjs");
const variants: { name: string; flags: string[] }[] = [
  { name: "workerd", flags: [] },
  { name: "workerd-nodejs-compat", flags: ["nodejs_compat"] },
];
const mf = new Miniflare({
  workers: variants.map(({ name, flags }) => ({
    name,
    modules: true,
    scriptPath,
    modulesRoot: buildDir,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: flags,
  })),
});

let passed = 0;
let failed = 0;
try {
  for (const { name, flags } of variants) {
    console.log(`--- ${name} (compatibility ${COMPATIBILITY_DATE}, flags: ${flags.join(",") || "none"})`);
    const worker = await mf.getWorker(name);
    const response = await worker.fetch("http://conformance.local/");
    const text = await response.text();
    process.stdout.write(text);
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(text);
    if (!summary || (response.status !== 200 && response.status !== 500)) {
      console.log(`FAIL [${name}] unexpected answer (status ${response.status})`);
      failed++;
      continue;
    }
    passed += Number(summary[1]);
    failed += Number(summary[2]);
    if (response.status !== 200 && Number(summary[2]) === 0) failed++;
  }
} finally {
  await mf.dispose();
}
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0 || passed === 0) process.exitCode = 1;
