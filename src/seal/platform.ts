import type * as NodeCrypto from "node:crypto";
import { getOrAdd } from "../memo.ts";
import type { CryptoBackend } from "./backend.ts";
import { createNodeBackend } from "./backend-node.ts";
import { createWebBackend } from "./backend-web.ts";

/**
 * The backend for this runtime, chosen once at load: `node:crypto` when the
 * runtime exposes it (Node ≥ 20.16, Bun, Deno), WebCrypto everywhere else.
 * `getBuiltinModule` keeps this file free of a static `node:` import, so that
 * bundles for Workers and browsers load it unchanged.
 */
export const platformBackend: CryptoBackend = pickBackend();

const webBackends = new WeakMap<Crypto, CryptoBackend>();

/** The backend to use for a caller-supplied WebCrypto object, or the platform's. */
export function backendFor(crypto: Crypto | undefined): CryptoBackend {
  if (!crypto) return platformBackend;
  return getOrAdd(webBackends, crypto, createWebBackend);
}

/** A WebCrypto backend over the global `crypto`, for tests and benchmarks. */
export function webCryptoBackend(): CryptoBackend {
  return backendFor(globalThis.crypto);
}

function pickBackend(): CryptoBackend {
  const forced = readEnv("SEALED_SESSION_BACKEND");
  if (forced !== "webcrypto") {
    const nodeCrypto = loadNodeCrypto();
    if (nodeCrypto) return createNodeBackend(nodeCrypto);
  }
  return createWebBackend(globalThis.crypto);
}

function loadNodeCrypto(): typeof NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const mod = proc?.getBuiltinModule?.("node:crypto") as typeof NodeCrypto | undefined;
    // Workers' nodejs_compat exposes a partial module; require the calls we use.
    if (mod && typeof mod.pbkdf2Sync === "function" && typeof mod.createCipheriv === "function") return mod;
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
