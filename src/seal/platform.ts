// A package import, so that bundles for Workers and browsers resolve it to a module without node:crypto.
import { nodeBackend } from "#node-crypto";
import { getOrAdd } from "../memo.ts";
import type { CryptoBackend } from "./backend.ts";
import { createWebBackend } from "./backend-web.ts";

/**
 * The backend for this runtime, chosen once at load: `node:crypto` when the
 * runtime exposes it (Node ≥ 20.16, Bun, Deno), WebCrypto everywhere else
 * (and in every bundle built for Workers or edge runtimes: see node-crypto.ts).
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
  return nodeBackend() ?? createWebBackend(globalThis.crypto);
}
