// The tests StrykerJS runs for each mutant of src/store/ (npm run test:mutation:store):
// the store suites that use the shared Redis and PostgreSQL (REDIS_URL, POSTGRES_URL) or
// none, and the unit tests on fake clients, pools and clocks. The suites that start servers
// of their own (cluster, failover, outage, replicas, faults, connect) take seconds per
// mutant and are left out: the code they reach is reached here by the fakes and by the
// cluster path on one node (test/store/redis-cluster-path.test.ts); see docs/mutation-testing.md.
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
      // Unit tests on fakes (no server) and the cluster path on the shared Redis: they reach
      // redis-client.ts, redis-cluster*.ts, server-clock.ts and the option checks cheaply.
      "test/store/server-clock.test.ts",
      "test/store/redis-client.test.ts",
      "test/store/postgres-pool.test.ts",
      "test/store/redis-cluster-path.test.ts",
      "test/store/redis-cluster-ops.test.ts",
    ],
    exclude: ["**/node_modules/**"],
    // No framework apps are built here, so the app cache of the full run is not set up.
    globalSetup: [],
    // The load tests run with fewer requests (test/helpers/mutation.ts): they run once per mutant.
    env: { ...base.test?.env, SEALED_SESSION_MUTATION: "1" },
  },
});
