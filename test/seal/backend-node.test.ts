import * as crypto from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNodeBackend } from "../../src/seal/backend-node.ts";
import { cbcContextsWork, cbcDecryptor, cbcEncryptor } from "../../src/seal/cbc-context.ts";

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

describe("node backend AES-256-CBC (long-lived contexts)", () => {
  const reference = (key: Uint8Array, iv: Uint8Array, text: string) => {
    const cipher = crypto.createCipheriv("aes-256-cbc", key, iv);
    return Buffer.concat([cipher.update(text, "utf8"), cipher.final()]).toString("hex");
  };

  it("gives createCipheriv's bytes for any run of messages and keys, and decrypts them back", () => {
    const backend = createNodeBackend(crypto);
    const keys = [crypto.randomBytes(32), crypto.randomBytes(32)];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat(1),
            fc.string({ unit: "binary", maxLength: 80 }),
            fc.uint8Array({ minLength: 16, maxLength: 16 }),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        (messages) => {
          const sealed = messages.map(([k, text, iv]) => {
            const out = backend.encrypt("aes-256-cbc", keys[k], iv, text) as Uint8Array;
            expect(Buffer.from(out).toString("hex")).toBe(reference(keys[k]!, iv, text));
            return out;
          });
          // Decrypt in another order than encrypted: each context keeps its own chain.
          for (let i = messages.length - 1; i >= 0; i--) {
            const [k, text, iv] = messages[i]!;
            expect(backend.decrypt("aes-256-cbc", keys[k], iv, sealed[i]!)).toBe(text);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps its own copy of the chaining block: callers may reuse the buffers they passed or got", () => {
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(16);
    const encrypt = cbcEncryptor(crypto, key);
    const decrypt = cbcDecryptor(crypto, key);
    const first = encrypt(iv, "first message");
    const copy = Uint8Array.from(first);
    first.fill(0);
    const second = encrypt(iv, "second");
    expect(Buffer.from(second).toString("hex")).toBe(reference(key, iv, "second"));
    expect(new TextDecoder().decode(decrypt(iv, copy))).toBe("first message");
    copy.fill(0);
    expect(new TextDecoder().decode(decrypt(iv, second))).toBe("second");
  });

  it("refuses data that is not whole blocks or has bad padding, and keeps working after", () => {
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(16);
    const decrypt = cbcDecryptor(crypto, key);
    // 20 bytes: two blocks, the second ending in twelve padding bytes of 12.
    const text = "twenty bytes of text";
    const good = Buffer.from(reference(key, iv, text), "hex");
    expect(() => decrypt(iv, good.subarray(0, 31))).toThrow(/whole blocks/);
    expect(() => decrypt(iv, new Uint8Array(0))).toThrow(/whole blocks/);
    // Flipping the first block's last bit flips the same bit of the second
    // block's plaintext: the padding then reads 13, which its bytes deny.
    const tampered = Uint8Array.from(good);
    tampered[15]! ^= 1;
    expect(() => decrypt(iv, tampered)).toThrow(/padding/);
    // A last byte of 0 or above 16 is no padding at all.
    for (const last of [0, 17]) {
      const raw = crypto.createCipheriv("aes-256-cbc", key, iv).setAutoPadding(false);
      const block = Buffer.alloc(16, 1);
      block[15] = last;
      expect(() => decrypt(iv, Buffer.concat([raw.update(block), raw.final()]))).toThrow(/padding/);
    }
    expect(new TextDecoder().decode(decrypt(iv, good))).toBe(text);
    expect(new TextDecoder().decode(decrypt(iv, good))).toBe(text);
  });

  it("passes its self-test here, so the contexts are what runs", () => {
    expect(cbcContextsWork(crypto)).toBe(true);
  });

  it("gives createCipheriv's bytes straight from the contexts, for any run of messages", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.string({ unit: "binary", maxLength: 80 }), fc.uint8Array({ minLength: 16, maxLength: 16 })),
          { minLength: 1, maxLength: 12 },
        ),
        (messages) => {
          const key = crypto.randomBytes(32);
          const encrypt = cbcEncryptor(crypto, key);
          const decrypt = cbcDecryptor(crypto, key);
          const sealed = messages.map(([text, iv]) => {
            const out = encrypt(iv, text);
            expect(Buffer.from(out).toString("hex")).toBe(reference(key, iv, text));
            return out;
          });
          messages.forEach(([text, iv], i) => {
            expect(new TextDecoder().decode(decrypt(iv, sealed[i]!))).toBe(text);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("makes a key's context on its second use and reuses it; a key used once costs one cipher", () => {
    const calls = { createCipheriv: 0, createDecipheriv: 0 };
    const counted = new Proxy(crypto, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "createCipheriv" && property !== "createDecipheriv") return value;
        return (...args: unknown[]) => {
          calls[property]++;
          return (value as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    const backend = createNodeBackend(counted);
    const iv = crypto.randomBytes(16);
    // Warm: a key used twice runs the self-test once for this backend.
    const warm = crypto.randomBytes(32);
    backend.encrypt("aes-256-cbc", warm, iv, "a");
    backend.encrypt("aes-256-cbc", warm, iv, "a");
    calls.createCipheriv = 0;
    const once = crypto.randomBytes(32);
    backend.encrypt("aes-256-cbc", once, iv, "used once");
    expect(calls.createCipheriv).toBe(1);
    const often = crypto.randomBytes(32);
    for (let i = 0; i < 10; i++) backend.encrypt("aes-256-cbc", often, iv, `message ${i}`);
    expect(calls.createCipheriv).toBe(1 + 2);
    // Texts past 16 KiB take a cipher of their own: the context's buffer is sized for the worst UTF-8.
    backend.encrypt("aes-256-cbc", often, iv, "x".repeat(20_000));
    expect(calls.createCipheriv).toBe(1 + 2 + 1);
  });
});

describe("node backend on a node:crypto without chained CBC state", () => {
  it("fails the self-test and seals with a cipher per call, to the same bytes", () => {
    // A runtime whose ciphers cannot turn padding off: the long-lived contexts are unusable.
    const partial = new Proxy(crypto, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "createCipheriv") return value;
        return (...args: Parameters<typeof crypto.createCipheriv>) => {
          const cipher = crypto.createCipheriv(...args);
          cipher.setAutoPadding = () => {
            throw new Error("not supported here");
          };
          return cipher;
        };
      },
    });
    expect(cbcContextsWork(partial)).toBe(false);
    const backend = createNodeBackend(partial);
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(16);
    const sealed = backend.encrypt("aes-256-cbc", key, iv, "fallback") as Uint8Array;
    const reference = crypto.createCipheriv("aes-256-cbc", key, iv);
    expect(Buffer.from(sealed).toString("hex")).toBe(
      reference.update("fallback", "utf8", "hex") + reference.final("hex"),
    );
    expect(backend.decrypt("aes-256-cbc", key, iv, sealed)).toBe("fallback");
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
