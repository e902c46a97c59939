import type * as NodeCrypto from "node:crypto";
import type { CryptoBackend } from "./backend.ts";
import { createNodeBackend } from "./backend-node.ts";

/**
 * The synchronous `node:crypto` backend when the runtime exposes the module
 * (Node ≥ 20.16, Bun, Deno), else undefined. Reached through the package's
 * `#node-crypto` import: bundles for Workers and edge runtimes (the `workerd`,
 * `worker` and `edge-light` conditions) get `node-crypto-none.ts` instead
 * and carry none of this. Not `browser`: test runners that set it (Jest with
 * jsdom) run server code whose WebCrypto may lack `subtle`. `getBuiltinModule` keeps the file free of
 * a static `node:` import all the same.
 */
export function nodeBackend(): CryptoBackend | undefined {
  // SEALED_SESSION_BACKEND=webcrypto runs WebCrypto where node:crypto exists too (tests, comparisons).
  if (readEnv("SEALED_SESSION_BACKEND") === "webcrypto") return undefined;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const mod = proc?.getBuiltinModule?.("node:crypto") as typeof NodeCrypto | undefined;
    // Workers' nodejs_compat exposes a partial module; require the calls we use.
    if (mod && typeof mod.pbkdf2Sync === "function" && typeof mod.createCipheriv === "function") {
      return createNodeBackend(mod);
    }
  } catch {
    // Not available on this runtime.
  }
  return undefined;
}

/**
 * An environment variable, or undefined. On Deno, reading one without permission
 * throws (or prompts), and this runs at import: ask first, and read only when granted.
 */
function readEnv(name: string): string | undefined {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
  if (deno && deno.permissions?.querySync?.({ name: "env", variable: name }).state !== "granted") return undefined;
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  try {
    return proc?.env?.[name];
  } catch {
    return undefined;
  }
}

interface DenoPermissions {
  permissions?: { querySync?(descriptor: { name: "env"; variable: string }): { state: string } };
}
