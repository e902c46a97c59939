import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSessionError, type SessionErrorCode, seal, unseal } from "../../src/seal/index.ts";

const PASSWORDS = [{ id: "key1", secret: "a-password-that-is-long-enough-for-iron-32+" }];
// A tampered salt is a new untagged salt: an unlimited derivation budget keeps each code exact.
const UNLIMITED = { derivationBudget: { maxInFlight: Infinity, maxPerSecond: Infinity } };
const FIELDS = ["prefix", "id", "encSalt", "iv", "ciphertext", "expiration", "macSalt", "mac"] as const;
const HEX = /^[0-9a-f]$/;
const B64 = /^[A-Za-z0-9_-]$/;

/** Which codes a one-character change in a field may produce. */
function expectedCodes(field: (typeof FIELDS)[number], replacement: string): SessionErrorCode[] {
  if (replacement === "*") return ["ERR_SEAL_FORMAT"];
  switch (field) {
    case "prefix":
      return ["ERR_SEAL_FORMAT"];
    case "id":
      return /^\w$/.test(replacement) ? ["ERR_SEAL_PASSWORD_ID"] : ["ERR_SEAL_FORMAT"];
    case "encSalt":
    case "macSalt":
      return HEX.test(replacement) ? ["ERR_SEAL_MAC"] : ["ERR_SEAL_FORMAT"];
    case "iv":
    case "ciphertext":
    case "mac":
      return B64.test(replacement) ? ["ERR_SEAL_MAC"] : ["ERR_SEAL_FORMAT"];
    case "expiration":
      return /^\d$/.test(replacement) ? ["ERR_SEAL_MAC", "ERR_SEAL_EXPIRED"] : ["ERR_SEAL_FORMAT"];
  }
}

function fieldAt(token: string, index: number): (typeof FIELDS)[number] | "separator" {
  if (token[index] === "*") return "separator";
  const field = FIELDS[token.slice(0, index).split("*").length - 1];
  if (!field) throw new Error("index outside the token");
  return field;
}

/** The SessionError code of a refusal; any other error (a TypeError, a RangeError) fails the test. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (!isSessionError(error)) throw error;
    return error.code;
  }
}

const replacementChar = fc.oneof(
  fc.constantFrom("a", "f", "0", "9", "Z", "-", "_", "*", ".", "%", " ", "=", "é", "\u0000"),
  fc.string({ minLength: 1, maxLength: 1 }),
);

describe("tampering with a valid seal", () => {
  it("rejects every single-character change with the code of the field it hits", async () => {
    const token = await seal({ user: "ada", n: 1 }, PASSWORDS, { ttl: 3_600_000 });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), replacementChar, async (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
        const field = fieldAt(token, index);
        const allowed = field === "separator" ? ["ERR_SEAL_FORMAT"] : expectedCodes(field, replacement);
        expect(allowed).toContain(await codeOf(unseal(tampered, PASSWORDS, UNLIMITED)));
      }),
      { numRuns: 400 },
    );
  });

  it("rejects every position of a full sweep (one change per character)", async () => {
    const token = await seal({ v: 1 }, PASSWORDS);
    for (let index = 0; index < token.length; index++) {
      const replacement = token[index] === "A" ? "B" : "A";
      const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
      const field = fieldAt(token, index);
      const allowed = field === "separator" ? ["ERR_SEAL_FORMAT"] : expectedCodes(field, replacement);
      expect(allowed).toContain(await codeOf(unseal(tampered, PASSWORDS, UNLIMITED)));
    }
  });

  it("rejects every truncation and every append as a format error", async () => {
    const token = await seal({ user: "ada" }, PASSWORDS);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), async (length) => {
        expect(await codeOf(unseal(token.slice(0, length), PASSWORDS))).toBe("ERR_SEAL_FORMAT");
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 8 }), async (suffix) => {
        expect(await codeOf(unseal(token + suffix, PASSWORDS))).toBe("ERR_SEAL_FORMAT");
      }),
      { numRuns: 200 },
    );
  });
});

describe("expiration with 60 s of skew", () => {
  it("accepts at ttl + 59 s and rejects at ttl + 61 s, for any ttl", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 * 24 * 3600 }), async (ttlSec) => {
        const token = await seal({ v: 1 }, PASSWORDS, { ttl: ttlSec * 1000 });
        const at = (offsetSec: number) => ({ localtimeOffsetMsec: (ttlSec + offsetSec) * 1000 });
        expect(await unseal(token, PASSWORDS, at(59))).toEqual({ v: 1 });
        expect(await codeOf(unseal(token, PASSWORDS, at(61)))).toBe("ERR_SEAL_EXPIRED");
      }),
      { numRuns: 50 },
    );
  });
});
