import type { CryptoBackend } from "./backend.ts";

/** `#node-crypto` in bundles for Workers and edge runtimes: no `node:crypto` backend, WebCrypto it is. */
export function nodeBackend(): CryptoBackend | undefined {
  return undefined;
}
