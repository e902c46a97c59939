// Mutation testing of the session layer (npm run test:mutation:session; not part of CI).
// One file at a time: npx stryker run stryker.session.config.mjs --mutate src/session/load.ts
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.session.config.ts", related: false },
  mutate: ["src/session/**/*.ts"],
  coverageAnalysis: "perTest",
  concurrency: 1,
  timeoutMS: 20000,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "test-results/mutation/session.json" },
  incremental: true,
  incrementalFile: "test-results/mutation/session-incremental.json",
  tempDirName: ".stryker-tmp-session",
  cleanTempDir: true,
  // The other area's sandbox, when both run, is no source of this one.
  ignorePatterns: ["/.stryker-tmp*", "/test-results"],
};
