import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name, as users do.
    alias: [
      { find: /^sealed-session\/seal$/, replacement: src("seal/index.ts") },
      { find: /^sealed-session\/(\w+)$/, replacement: src("adapters/$1.ts") },
      { find: /^sealed-session$/, replacement: src("index.ts") },
      // The package's own import (package.json "imports"), to the source as Node resolves it.
      { find: /^#node-crypto$/, replacement: src("seal/node-crypto.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // One folder per run for the framework apps the test files share (test/adapters/app-cache.ts).
    globalSetup: ["test/adapters/app-cache-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
