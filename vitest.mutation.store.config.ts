// The tests StrykerJS runs for each mutant of src/store/ (npm run test:mutation:store):
// the store suites that use the shared Redis and PostgreSQL (REDIS_URL, POSTGRES_URL) or
// none. The suites that start servers of their own (cluster, failover, outage, replicas,
// faults, connect) take seconds per mutant and are left out; see docs/mutation-testing.md.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/store/memory.test.ts",
      "test/store/unstorage.test.ts",
      "test/store/failure.test.ts",
      "test/store/redis.test.ts",
      "test/store/postgres.test.ts",
    ],
    exclude: ["**/node_modules/**"],
    // No framework apps are built here, so the app cache of the full run is not set up.
    globalSetup: [],
    // The load tests run with fewer requests (test/helpers/mutation.ts): they run once per mutant.
    env: { ...base.test?.env, SEALED_SESSION_MUTATION: "1" },
  },
});
