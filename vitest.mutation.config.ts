// The tests StrykerJS runs for each mutant of src/seal/ (npm run test:mutation):
// the seal suites, with property tests capped (test/seal/mutation-setup.ts) and
// without the test that unseals in a child process (no mutant is active there).
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/seal/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    // The framework-app cache of the full suite; no seal test builds an app.
    globalSetup: [],
    setupFiles: ["test/seal/mutation-setup.ts"],
    env: { SEALED_SESSION_MUTATION_RUN: "1" },
  },
});
