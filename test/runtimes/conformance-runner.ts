/**
 * Runs the seal conformance suite (`test/seal/conformance.ts`) and the session
 * conformance suite (`session-cases.ts`) on whatever runtime loads this
 * module, on both backends: the platform's own choice (`{}`) and WebCrypto
 * passed in explicitly (`{ crypto: globalThis.crypto }`). No test-runner
 * imports and no runtime-specific APIs, so Node, Bun, Deno and workerd all
 * run it unchanged.
 */
import { platformBackend } from "../../src/seal/platform.ts";
import { cases as sealCases } from "../seal/conformance.ts";
import { sessionCases } from "./session-cases.ts";

/** The suites, each a list of `{ name, run(options) }` taking the backend's options. */
const suites: { name: string; cases: { name: string; run(options: { crypto?: Crypto }): Promise<void> }[] }[] = [
  { name: "seal", cases: sealCases },
  { name: "session", cases: sessionCases },
];

export interface ConformanceReport {
  readonly lines: string[];
  readonly passed: number;
  readonly failed: number;
}

/** Runs every case of every suite on both backends; `log` sees each line as it is produced. */
export async function runConformance(log: (line: string) => void = () => {}): Promise<ConformanceReport> {
  const lines: string[] = [];
  const emit = (line: string) => {
    lines.push(line);
    log(line);
  };
  emit(`runtime: ${describeRuntime()}`);
  emit(`platform backend: ${platformBackend.name}`);

  const backends = [
    { label: `platform:${platformBackend.name}`, options: {} },
    { label: "webcrypto", options: { crypto: globalThis.crypto } },
  ];
  let passed = 0;
  let failed = 0;
  for (const suite of suites) {
    for (const { label, options } of backends) {
      for (const testCase of suite.cases) {
        const started = Date.now();
        try {
          await testCase.run(options);
          passed++;
          emit(`ok   [${suite.name}/${label}] ${testCase.name} (${Date.now() - started} ms)`);
        } catch (error) {
          failed++;
          emit(
            `FAIL [${suite.name}/${label}] ${testCase.name}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  }
  emit(`${passed} passed, ${failed} failed`);
  return { lines, passed, failed };
}

/** A short name and version for the runtime executing this module. */
export function describeRuntime(): string {
  const g = globalThis as {
    Bun?: { version: string };
    Deno?: { version: { deno: string } };
    process?: { versions?: { node?: string } };
    navigator?: { userAgent?: string };
  };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "workerd";
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  return g.navigator?.userAgent ?? "unknown";
}
