import * as crypto from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNodeBackend } from "../../src/seal/backend-node.ts";
import { cbcContextsWork } from "../../src/seal/cbc-context.ts";

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
    const backend = createNodeBackend(crypto);
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(16);
    const first = backend.encrypt("aes-256-cbc", key, iv, "first message") as Uint8Array;
    const copy = Uint8Array.from(first);
    first.fill(0);
    const second = backend.encrypt("aes-256-cbc", key, iv, "second") as Uint8Array;
    expect(Buffer.from(second).toString("hex")).toBe(reference(key, iv, "second"));
    expect(backend.decrypt("aes-256-cbc", key, iv, copy)).toBe("first message");
    copy.fill(0);
    expect(backend.decrypt("aes-256-cbc", key, iv, second)).toBe("second");
  });

  it("refuses data that is not whole blocks or has bad padding, and keeps working after", () => {
    const backend = createNodeBackend(crypto);
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(16);
    // 20 bytes: two blocks, the second ending in twelve padding bytes of 12.
    const text = "twenty bytes of text";
    const good = backend.encrypt("aes-256-cbc", key, iv, text) as Uint8Array;
    expect(() => backend.decrypt("aes-256-cbc", key, iv, good.subarray(0, 31))).toThrow();
    expect(() => backend.decrypt("aes-256-cbc", key, iv, new Uint8Array(0))).toThrow();
    // Flipping the first block's last bit flips the same bit of the second
    // block's plaintext: the padding then reads 13, which its bytes deny.
    const tampered = Uint8Array.from(good);
    tampered[15]! ^= 1;
    expect(() => backend.decrypt("aes-256-cbc", key, iv, tampered)).toThrow(/padding/);
    expect(backend.decrypt("aes-256-cbc", key, iv, good)).toBe(text);
    expect(backend.decrypt("aes-256-cbc", key, iv, good)).toBe(text);
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
