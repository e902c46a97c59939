import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

/**
 * vitest's globalSetup: one folder per run where the framework-app test files
 * leave the apps they built (see app-cache.ts), so a file that needs the same
 * app (the cross-app reads) serves it instead of building it again. Everything
 * in it goes when the run ends.
 */
export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), "sealed-session-apps-"));
  project.provide("appCache", root);
  return () => {
    if (process.env.KEEP_FIXTURE_APPS) return;
    for (const entry of readdirSync(root).filter((name) => name.endsWith(".json"))) {
      const { dir } = JSON.parse(readFileSync(join(root, entry), "utf8")) as { dir?: string };
      if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
    rmSync(root, { recursive: true, force: true });
  };
}
