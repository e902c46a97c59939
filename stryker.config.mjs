// Mutation testing of the seal engine (npm run test:mutation; not part of CI:
// it runs the covering seal tests once per mutant; see docs/mutation-testing.md).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate: ["src/seal/**/*.ts", "!src/seal/index.ts"],
  coverageAnalysis: "perTest",
  // The machine is shared: one mutant at a time unless told otherwise (--concurrency 2).
  concurrency: 1,
  timeoutMS: 20000,
  // Reruns test only the mutants whose code or tests changed; the file stays out of git.
  incremental: true,
  incrementalFile: "test-results/mutation/seal-incremental.json",
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "test-results/mutation/seal.json" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
