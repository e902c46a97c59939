import * as nodeCrypto from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNodeBackend } from "../../src/seal/backend-node.ts";
import { type SealOptions, seal, unseal } from "../../src/seal/index.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";

const PW = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const FAST = { iterations: 1 } as const;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    expect(error).toMatchObject({ name: "SessionError" });
    return (error as { code: string }).code;
  }
}

describe("ttl and clock offset ranges", () => {
  it("a ttl too large for the 16-digit expiration field is ERR_CONFIG, not an unreadable seal", async () => {
    for (const ttl of [1e16, 1e17, Number.MAX_SAFE_INTEGER, 1e15 + 1]) {
      expect(await codeOf(seal({ v: 1 }, PW, { ...FAST, ttl }))).toBe("ERR_CONFIG");
    }
    expect(await codeOf(seal({ v: 1 }, PW, { ...FAST, localtimeOffsetMsec: -1e13 }))).toBe("ERR_CONFIG");
    expect(await codeOf(seal({ v: 1 }, PW, { ...FAST, localtimeOffsetMsec: 1e13 }))).toBe("ERR_CONFIG");
  });

  it("every seal the options allow is readable by unseal with the same options", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(0, 1, 1e15), fc.double({ min: 0, max: 1e15, noNaN: true })),
        fc.oneof(fc.constantFrom(-1e12, 0, 1e12), fc.integer({ min: -1e12, max: 1e12 })),
        async (ttl, localtimeOffsetMsec) => {
          const options: SealOptions = { ...FAST, ttl, localtimeOffsetMsec };
          expect(await unseal(await seal({ v: ttl }, PW, options), PW, options)).toEqual({ v: ttl });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the engine refuses to write an unreadable expiration even from unchecked options", async () => {
    const backend = createNodeBackend(nodeCrypto);
    const options = { ...resolveSealOptions(FAST), ttl: 1e16 };
    expect(await codeOf(sealWith(backend, { v: 1 }, PW, options))).toBe("ERR_CONFIG");
  });
});

describe("other numeric seal options", () => {
  it("saltBits from 1 to 4096: the largest still opens, past it ERR_CONFIG, never a raw RangeError", async () => {
    const token = await seal({ v: 1 }, PW, { ...FAST, saltBits: 4096 });
    expect(token.split("*")[2]).toHaveLength(1024);
    expect(await unseal(token, PW, FAST)).toEqual({ v: 1 });
    for (const saltBits of [999_999_999_999_999, 4097, 0, 1.5]) {
      expect(await codeOf(seal({ v: 1 }, PW, { ...FAST, saltBits }))).toBe("ERR_CONFIG");
    }
  });

  it("iterations, timestampSkewSec and saltReuseMs out of range are ERR_CONFIG", async () => {
    for (const options of [
      { iterations: 2 ** 31 },
      { integrity: { iterations: 2 ** 40 } },
      { timestampSkewSec: -1 },
      { saltReuseMs: -1 },
    ] satisfies SealOptions[]) {
      expect(await codeOf(seal({ v: 1 }, PW, options))).toBe("ERR_CONFIG");
      expect(await codeOf(unseal("Fe26.2**", PW, options))).toBe("ERR_CONFIG");
    }
  });
});
