import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { createNodeBackend } from "../../src/seal/backend-node.ts";

describe("node backend randomBytes (pooled)", () => {
  it("never hands out the same bytes twice, across pool refills", () => {
    const backend = createNodeBackend(crypto);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = backend.randomBytes(16);
      expect(bytes).toHaveLength(16);
      const hex = Buffer.from(bytes).toString("hex");
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it("returns copies the caller may keep, and serves large requests directly", () => {
    const backend = createNodeBackend(crypto);
    const a = backend.randomBytes(32);
    const kept = Buffer.from(a).toString("hex");
    for (let i = 0; i < 600; i++) backend.randomBytes(16);
    expect(Buffer.from(a).toString("hex")).toBe(kept);
    expect(backend.randomBytes(1024)).toHaveLength(1024);
  });
});

/** node:crypto with its random and PBKDF2 calls counted. */
function countedCrypto() {
  const calls = { randomFillSync: 0, randomBytes: 0, pbkdf2Sync: 0, pbkdf2: 0 };
  const counted = new Proxy(crypto, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || !(property in calls) || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls[property as keyof typeof calls]++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend: createNodeBackend(counted), calls };
}

describe("node backend randomBytes: the pool's accounting", () => {
  it("one 4,096-byte fill serves 256 requests of 16 bytes; the 257th refills", () => {
    const { backend, calls } = countedCrypto();
    for (let i = 0; i < 256; i++) backend.randomBytes(16);
    expect(calls).toMatchObject({ randomFillSync: 1, randomBytes: 0 });
    backend.randomBytes(16);
    expect(calls).toMatchObject({ randomFillSync: 2, randomBytes: 0 });
  });

  it("a request that does not fit in what is left refills first; one that fits exactly does not", () => {
    const { backend, calls } = countedCrypto();
    backend.randomBytes(100); // fill 1
    for (let i = 0; i < 15; i++) backend.randomBytes(256); // 100 + 3,840 = 3,940 bytes used
    expect(calls.randomFillSync).toBe(1);
    expect(backend.randomBytes(156)).toHaveLength(156); // exactly the 156 left
    expect(calls.randomFillSync).toBe(1);
    expect(backend.randomBytes(1)).toHaveLength(1);
    expect(calls.randomFillSync).toBe(2);
  });

  it("requests up to 256 bytes come from the pool, larger ones straight from the CSPRNG", () => {
    const { backend, calls } = countedCrypto();
    expect(backend.randomBytes(256)).toHaveLength(256);
    expect(calls).toMatchObject({ randomFillSync: 1, randomBytes: 0 });
    for (const length of [257, 4096, 5000]) expect(backend.randomBytes(length)).toHaveLength(length);
    expect(calls).toMatchObject({ randomFillSync: 1, randomBytes: 3 });
  });
});

describe("node backend key derivation", () => {
  it("up to 1,024 iterations on the calling thread, above that on the thread pool; the same key either way", async () => {
    const { backend, calls } = countedCrypto();
    const sync = backend.deriveKey("secret", "salt", 1024, "sha256");
    expect(sync).toBeInstanceOf(Uint8Array);
    expect(calls).toMatchObject({ pbkdf2Sync: 1, pbkdf2: 0 });
    const pooled = backend.deriveKey("secret", "salt", 1025, "aes-128-ctr");
    expect(pooled).toBeInstanceOf(Promise);
    expect(calls).toMatchObject({ pbkdf2Sync: 1, pbkdf2: 1 });
    expect(Buffer.from((await pooled) as Uint8Array)).toEqual(crypto.pbkdf2Sync("secret", "salt", 1025, 16, "sha1"));
    expect(Buffer.from(sync as Uint8Array)).toEqual(crypto.pbkdf2Sync("secret", "salt", 1024, 32, "sha1"));
  });

  it("a failed pooled derivation rejects", async () => {
    const failing = new Proxy(crypto, {
      get(target, property, receiver) {
        if (property !== "pbkdf2") return Reflect.get(target, property, receiver);
        return (...args: unknown[]) => (args.at(-1) as (error: Error | null) => void)(new Error("pool failure"));
      },
    });
    await expect(createNodeBackend(failing).deriveKey("secret", "salt", 2048, "sha256")).rejects.toThrow(
      "pool failure",
    );
  });
});
