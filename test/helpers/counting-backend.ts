import * as nodeCrypto from "node:crypto";
import { createNodeBackend } from "../../src/seal/backend-node.ts";

/**
 * A node:crypto backend that counts what it asks of node:crypto, so that "no
 * wasted work" is checked without timing anything. Each call builds a new
 * backend, so its caches start empty.
 */
export function countingBackend() {
  const calls = { pbkdf2Sync: 0, pbkdf2: 0, createHmac: 0, createDecipheriv: 0 };
  const counted = new Proxy(nodeCrypto, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property === "string" && property in calls && typeof value === "function") {
        return (...args: unknown[]) => {
          calls[property as keyof typeof calls]++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  return { backend: createNodeBackend(counted), calls };
}

/** Key derivations so far, on the main thread or the pool. */
export const derivations = (calls: { pbkdf2Sync: number; pbkdf2: number }) => calls.pbkdf2Sync + calls.pbkdf2;
