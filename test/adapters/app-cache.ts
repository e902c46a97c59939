import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { packPackage } from "./fixture-app.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's folder of shared builds (app-cache-setup.ts); absent when the setup did not run. */
    appCache: string;
  }
}

/** A built app folder; `release` removes it unless another test file of the run may still serve it. */
export interface SharedBuild {
  readonly dir: string;
  release(): void;
}

/**
 * Builds an app once per vitest run: the first test file to ask for `key`
 * creates and builds it, the others (in any worker) wait for that build and
 * serve the same folder, read-only. A failed build is remembered, so the
 * others fail with its message at once instead of building again. Without a
 * key, or outside the run's setup, the build is private to the caller.
 */
export async function sharedBuild(
  key: string | undefined,
  create: () => string,
  build: (dir: string) => Promise<void>,
): Promise<SharedBuild> {
  const root = inject("appCache");
  if (!key || !root) {
    const dir = await buildIn(create(), build);
    return { dir, release: () => remove(dir) };
  }
  const record = join(root, `${key}.json`);
  const lock = join(root, `${key}.lock`);
  for (;;) {
    if (existsSync(record)) {
      const { dir, error } = JSON.parse(readFileSync(record, "utf8")) as { dir?: string; error?: string };
      if (!dir) throw new Error(`the ${key} app failed to build in another test file of this run:\n${error}`);
      return { dir, release: () => {} };
    }
    try {
      // mkdir is atomic: whoever creates the lock builds, the others poll for the record.
      mkdirSync(lock);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      const dir = await buildIn(create(), build);
      writeFileSync(record, JSON.stringify({ dir }));
      return { dir, release: () => {} };
    } catch (error) {
      writeFileSync(record, JSON.stringify({ error: String(error).slice(-4000) }));
      throw error;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** The package packed once per run (a fresh `tsc` build of src/, so no stale dist/). */
export async function sharedTarball(): Promise<SharedBuild & { file: string }> {
  const packed = await sharedBuild(
    "tarball",
    () => mkdtempSync(join(tmpdir(), "sealed-session-pack-")),
    async (dir) => void (await packPackage(dir)),
  );
  const file = readdirSync(packed.dir).find((name) => name.endsWith(".tgz"));
  if (!file) throw new Error(`no tarball in ${packed.dir}`);
  return { ...packed, file: join(packed.dir, file) };
}

async function buildIn(dir: string, build: (dir: string) => Promise<void>): Promise<string> {
  try {
    await build(dir);
    return dir;
  } catch (error) {
    remove(dir);
    throw error;
  }
}

function remove(dir: string): void {
  if (!process.env.KEEP_FIXTURE_APPS) rmSync(dir, { recursive: true, force: true });
}
