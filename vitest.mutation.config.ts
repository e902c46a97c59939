// The tests StrykerJS runs for each mutant of src/seal/ (npm run test:mutation):
// the seal suites (depth.test.ts also spawns one process, which sees no mutant).
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/seal/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
  },
});
