import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_ITERATIONS, DEFAULT_SALT_REUSE_MS, DEFAULT_SEAL_OPTIONS, seal, unseal } from "../../src/seal/index.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";

const PW = "options-password-that-is-long-enough-for-iron";

afterEach(() => {
  vi.useRealTimers();
});

describe("the defaults", () => {
  it("are h3 v2's, plus one minute of salt reuse, and frozen", () => {
    const { derivationBudget, ...rest } = DEFAULT_SEAL_OPTIONS;
    expect(rest).toEqual({
      encryption: { saltBits: 256, algorithm: "aes-256-cbc", iterations: 8192, minPasswordlength: 32 },
      integrity: { saltBits: 256, algorithm: "sha256", iterations: 8192, minPasswordlength: 32 },
      ttl: 0,
      timestampSkewSec: 60,
      localtimeOffsetMsec: 0,
      saltReuseMs: 60_000,
    });
    expect(derivationBudget).toEqual({ maxInFlight: expect.any(Number), maxPerSecond: expect.any(Number) });
    expect([DEFAULT_ITERATIONS, DEFAULT_SALT_REUSE_MS]).toEqual([8192, 60_000]);
    for (const part of [DEFAULT_SEAL_OPTIONS, DEFAULT_SEAL_OPTIONS.encryption, DEFAULT_SEAL_OPTIONS.integrity]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(Object.isFrozen(DEFAULT_SEAL_OPTIONS.derivationBudget)).toBe(true);
    expect(resolveSealOptions(undefined)).toBe(DEFAULT_SEAL_OPTIONS);
  });
});

describe("merging options over the defaults", () => {
  it("top-level iterations, saltBits and minPasswordlength apply to both halves; a nested value wins", () => {
    const o = resolveSealOptions({
      iterations: 2,
      saltBits: 64,
      minPasswordlength: 8,
      encryption: { iterations: 3 },
      integrity: { saltBits: 128, minPasswordlength: 16 },
    });
    expect(o.encryption).toEqual({ saltBits: 64, algorithm: "aes-256-cbc", iterations: 3, minPasswordlength: 8 });
    expect(o.integrity).toEqual({ saltBits: 128, algorithm: "sha256", iterations: 2, minPasswordlength: 16 });
  });

  it("undefined means the default, at the top level and nested", () => {
    const o = resolveSealOptions({
      ttl: undefined,
      timestampSkewSec: undefined,
      iterations: undefined,
      encryption: { algorithm: undefined, iterations: undefined },
      integrity: { saltBits: undefined },
      derivationBudget: { maxInFlight: undefined, maxPerSecond: 5 },
    });
    // Strict: a key left holding undefined would fail validation or shadow a default.
    expect(o).toStrictEqual({
      ...DEFAULT_SEAL_OPTIONS,
      derivationBudget: { maxInFlight: DEFAULT_SEAL_OPTIONS.derivationBudget.maxInFlight, maxPerSecond: 5 },
    });
  });

  it("each scalar option is taken from the caller", () => {
    const o = resolveSealOptions({ ttl: 5, timestampSkewSec: 7, localtimeOffsetMsec: 11, saltReuseMs: 13 });
    expect([o.ttl, o.timestampSkewSec, o.localtimeOffsetMsec, o.saltReuseMs]).toEqual([5, 7, 11, 13]);
  });

  it("one options object is resolved (and validated) once", () => {
    const options = { iterations: 1 };
    expect(resolveSealOptions(options)).toBe(resolveSealOptions(options));
    expect(resolveSealOptions({ iterations: 1 })).not.toBe(resolveSealOptions(options));
  });
});

describe("the expiration a seal writes", () => {
  it("is now + localtimeOffsetMsec + ttl, rounded up to a whole millisecond; none without a ttl", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const now = Date.UTC(2026, 10, 29, 12);
    vi.setSystemTime(now);
    const expiration = async (options: Parameters<typeof seal>[2]) =>
      (await seal({ v: 1 }, PW, { iterations: 1, ...options })).split("*")[5];
    expect(await expiration({ ttl: 1000 })).toBe(String(now + 1000));
    expect(await expiration({ ttl: 1000.2 })).toBe(String(now + 1001));
    expect(await expiration({ ttl: 1000, localtimeOffsetMsec: 0.5 })).toBe(String(now + 1001));
    expect(await expiration({ ttl: 1000, localtimeOffsetMsec: -5000 })).toBe(String(now - 4000));
    expect(await expiration({})).toBe("");
    // And unseal honours it: open until expiration + 60 s of skew.
    const token = await seal({ v: 1 }, PW, { iterations: 1, ttl: 1000 });
    vi.setSystemTime(now + 1000 + 60_000 - 1);
    expect(await unseal(token, PW, { iterations: 1 })).toEqual({ v: 1 });
  });

  it("a token with no expiration never expires, whatever the clock", async () => {
    const token = await seal({ v: 1 }, PW, { iterations: 1 });
    expect(await unseal(token, PW, { iterations: 1, localtimeOffsetMsec: 1e12 })).toEqual({ v: 1 });
    expect(await unseal(token, PW, { iterations: 1, localtimeOffsetMsec: -1e12 })).toEqual({ v: 1 });
  });
});
