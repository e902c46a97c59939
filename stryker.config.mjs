// Mutation testing of the seal engine (npm run test:mutation; not part of CI:
// it runs the seal suites once per mutant, tens of minutes on 2 cores).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate: ["src/seal/**/*.ts", "!src/seal/index.ts"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "test-results/mutation/seal.json" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
