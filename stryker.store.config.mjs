// Mutation testing of the stores (npm run test:mutation:store; not part of CI).
// Needs REDIS_URL and POSTGRES_URL for redis*.ts and postgres*.ts; without them
// those suites skip and their mutants survive. One file at a time:
// npx stryker run stryker.store.config.mjs --mutate src/store/memory.ts
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.store.config.ts", related: false },
  mutate: ["src/store/**/*.ts"],
  coverageAnalysis: "perTest",
  concurrency: 1,
  timeoutMS: 20000,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "test-results/mutation/store.json" },
  incremental: true,
  incrementalFile: "test-results/mutation/store-incremental.json",
  tempDirName: ".stryker-tmp-store",
  cleanTempDir: true,
  // The other area's sandbox, when both run, is no source of this one.
  ignorePatterns: ["/.stryker-tmp*", "/test-results"],
};
