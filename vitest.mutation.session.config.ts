// The tests StrykerJS runs for each mutant of src/session/ (npm run test:mutation:session):
// the session suites, the memory and unstorage store suites (the session layer's store
// mode), the store failure tests and the cookie option tests. No framework apps, no
// servers of their own, no property tests.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/session/**/*.test.ts",
      "test/store/memory.test.ts",
      "test/store/unstorage.test.ts",
      "test/store/failure.test.ts",
      "test/cookie/options.test.ts",
    ],
    exclude: ["**/node_modules/**"],
    globalSetup: [],
    // The load tests run with fewer requests (test/helpers/mutation.ts): they run once per mutant.
    env: { ...base.test?.env, SEALED_SESSION_MUTATION: "1" },
  },
});
