// Setup of the mutation run only (vitest.mutation.config.ts). StrykerJS runs the
// covering tests once per mutant, so the cost of a property test is paid
// hundreds of times over: here a property runs a quarter of its cases (at
// least MIN_RUNS, never more than it asks for), from a fixed seed, so that a
// mutant meets the same inputs in every run and a rerun reports the same
// survivors. The normal runs (`npm test`, `npm run test:differential`) keep
// their counts and their random seeds.
import { vi } from "vitest";

const MIN_RUNS = 25;
const SEED = 20261129;

// An explicit numRuns in a test wins over fc.configureGlobal, so the cap goes
// into fc.assert itself (the module's exports are read-only: a mock, not a patch).
vi.mock("fast-check", async (importOriginal) => {
  const fc = await importOriginal<typeof import("fast-check")>();
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: SEED });
  const assert = ((property: Parameters<typeof fc.assert>[0], params?: Parameters<typeof fc.assert>[1]) => {
    const asked = params?.numRuns ?? 100;
    return fc.assert(property, { ...params, numRuns: Math.min(asked, Math.max(MIN_RUNS, Math.ceil(asked / 4))) });
  }) as typeof fc.assert;
  const capped = { ...fc, assert };
  return { ...capped, default: capped };
});
