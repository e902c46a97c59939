import { afterEach, describe, expect, it, vi } from "vitest";
import { seal, type UnsealCallOptions, unseal } from "../../src/seal/index.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend, derivations } from "../helpers/counting-backend.ts";

// The engine's caches (sealing windows, derived keys, verified tokens) change
// what work is done, never what a token means: each test pins one edge of that.

const PW = "caches-password-that-is-long-enough-for-iron-32";
const STRICT = { legacyFallback: false } as const;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const field = (token: string, index: number) => token.split("*")[index] ?? "";

describe("the sealing window", () => {
  it("reuses one salt pair for saltReuseMs, up to the last millisecond before it closes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 10, 29));
    const options = { iterations: 1, saltReuseMs: 10_000 };
    const first = field(await seal({ v: 1 }, PW, options), 2);
    vi.advanceTimersByTime(9_999);
    expect(field(await seal({ v: 1 }, PW, options), 2)).toBe(first);
    vi.advanceTimersByTime(1);
    const second = field(await seal({ v: 1 }, PW, options), 2);
    expect(second).not.toBe(first);
    // The new window starts at its first seal.
    vi.advanceTimersByTime(9_999);
    expect(field(await seal({ v: 1 }, PW, options), 2)).toBe(second);
  });

  it("is kept per setting: every option that changes the keys or salts gets its own window", async () => {
    const base: UnsealCallOptions = { iterations: 1, legacyFallback: false };
    const variants: UnsealCallOptions[] = [
      base,
      { ...base, encryption: { algorithm: "aes-128-ctr" } },
      { ...base, encryption: { iterations: 2 } },
      { ...base, encryption: { saltBits: 128 } },
      { ...base, integrity: { iterations: 2 } },
      { ...base, integrity: { saltBits: 128 } },
    ];
    // Interleaved seals in one window: each must be readable with its own options and no other key.
    for (let round = 0; round < 2; round++) {
      for (const options of variants) {
        const token = await seal({ round }, PW, options);
        const { encryption, integrity } = resolveSealOptions(options);
        expect(field(token, 2)).toHaveLength(encryption.saltBits / 4);
        expect(field(token, 6)).toHaveLength(integrity.saltBits / 4);
        expect(await unseal(token, PW, options)).toEqual({ round });
      }
    }
  });

  it("a seal made in the current window opens without a derivation after a burst of other salts", async () => {
    const { backend, calls } = countingBackend();
    const options = resolveSealOptions({});
    const fresh = resolveSealOptions({ iterations: 1, saltReuseMs: 0 });
    await sealWith(backend, { warm: true }, PW, options);
    // The window's keys were pending at its first seal; settled, they must serve later seals and reads alike.
    await Promise.resolve();
    const token = await sealWith(backend, { n: 1 }, PW, options);
    // Fresh salts under the same password fill the key cache (1,024 salts) many times over.
    for (let i = 0; i < 1500; i++) await sealWith(backend, { i }, PW, fresh);
    const before = derivations(calls);
    const opened = unsealDetailed(backend, token, PW, options);
    expect(opened).not.toBeInstanceOf(Promise);
    expect((opened as { value: unknown }).value).toEqual({ n: 1 });
    expect(derivations(calls)).toBe(before);
  });

  it("a failed key derivation closes the window: the next seal derives again", async () => {
    const flaky = flakyCrypto(1);
    await expect(seal({ v: 1 }, PW, { crypto: flaky.crypto })).rejects.toThrow("deriveBits failed");
    const token = await seal({ v: 2 }, PW, { crypto: flaky.crypto });
    expect(await unseal(token, PW)).toEqual({ v: 2 });
  });
});

describe("the derived-key cache", () => {
  it("keys are kept per iteration count: a key of another count never opens a token", async () => {
    const token = await seal({ v: 1 }, PW, { iterations: 2 });
    expect(await unseal(token, PW, { iterations: 2, ...STRICT })).toEqual({ v: 1 });
    for (const iterations of [3, 1, 8192]) {
      await expect(unseal(token, PW, { iterations, ...STRICT })).rejects.toMatchObject({ code: "ERR_SEAL_MAC" });
    }
    const once = await seal({ v: 2 }, PW, { iterations: 1 });
    expect(await unseal(once, PW, { iterations: 1 })).toEqual({ v: 2 });
    await expect(unseal(once, PW, { iterations: 2, ...STRICT })).rejects.toMatchObject({ code: "ERR_SEAL_MAC" });
  });

  it("a failed derivation is not cached: the same token opens on the next try", async () => {
    const token = await seal({ v: 1 }, PW, { saltReuseMs: 0 });
    // Both keys of this (tagged) token fail to derive the first time.
    const flaky = flakyCrypto(2);
    await expect(unseal(token, PW, { crypto: flaky.crypto })).rejects.toThrow("deriveBits failed");
    expect(await unseal(token, PW, { crypto: flaky.crypto })).toEqual({ v: 1 });
    // Only the encryption key, derived beside the integrity key, fails: decryption derives it again.
    const once = flakyCrypto(1);
    expect(await unseal(await seal({ v: 2 }, PW, { saltReuseMs: 0 }), PW, { crypto: once.crypto })).toEqual({ v: 2 });
  });

  it("once a pending key is derived, later tokens under its salts are checked synchronously", async () => {
    const { backend } = countingBackend();
    const options = resolveSealOptions({});
    const first = await sealWith(backend, { n: 1 }, PW, options);
    const second = await sealWith(backend, { n: 2 }, PW, options);
    expect(field(second, 2)).toBe(field(first, 2));
    // A fresh backend: the first token's keys are derived on the thread pool.
    const reader = countingBackend();
    const pending = unsealDetailed(reader.backend, first, PW, options);
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).value).toEqual({ n: 1 });
    // Same salts, another token (not in the verified-token cache): its keys are ready, no promise.
    const ready = unsealDetailed(reader.backend, second, PW, options);
    expect(ready).not.toBeInstanceOf(Promise);
    expect((ready as { value: unknown }).value).toEqual({ n: 2 });
    expect(derivations(reader.calls)).toBe(2);
  });

  it("raw key bytes need no derivation and no budget, even when the budget is spent", async () => {
    const key = new Uint8Array(32).fill(3);
    const options = resolveSealOptions({ derivationBudget: { maxInFlight: 1, maxPerSecond: 1.000_003 } });
    const { backend } = countingBackend();
    const tokens = await Promise.all([1, 2, 3].map((n) => sealWith(backend, { n }, key, options)));
    for (const [i, token] of tokens.entries()) {
      expect((await unsealDetailed(countingBackend().backend, token, key, options)).value).toEqual({ n: i + 1 });
    }
  });

  it("a key-bytes encryption key beside a derived integrity key: a pending and a ready key together", async () => {
    const split = { encryption: new Uint8Array(32).fill(5), integrity: PW };
    const token = await seal({ v: 1 }, split, { saltReuseMs: 0 });
    expect(await unseal(token, split)).toEqual({ v: 1 });
    const { backend } = countingBackend();
    const options = resolveSealOptions({ saltReuseMs: 0 });
    const sealed = await sealWith(backend, { v: 2 }, split, options);
    expect((await unsealDetailed(countingBackend().backend, sealed, split, options)).value).toEqual({ v: 2 });
  });
});

describe("the verified-token cache", () => {
  it("answers only for the very token it verified: same MAC, other fields is a forgery", async () => {
    // One options object: the cache is per password and options object.
    const options = { iterations: 1 };
    const token = await seal({ v: 1 }, PW, { iterations: 1, ttl: 3_600_000 });
    expect(await unseal(token, PW, options)).toEqual({ v: 1 });
    const parts = token.split("*");
    const longer = [...parts.slice(0, 5), String(Number(parts[5]) + 1000), ...parts.slice(6)].join("*");
    await expect(unseal(longer, PW, options)).rejects.toMatchObject({ code: "ERR_SEAL_MAC" });
  });

  it("still checks expiry on every answer", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 10, 29));
    const options = { iterations: 1 };
    const token = await seal({ v: 1 }, PW, { iterations: 1, ttl: 1000 });
    expect(await unseal(token, PW, options)).toEqual({ v: 1 });
    // The skew is 60 s: the last good millisecond, then the first expired one, both from the cache.
    vi.advanceTimersByTime(1000 + 60_000 - 1);
    expect(await unseal(token, PW, options)).toEqual({ v: 1 });
    vi.advanceTimersByTime(1);
    await expect(unseal(token, PW, options)).rejects.toMatchObject({ code: "ERR_SEAL_EXPIRED" });
  });

  it("a token verified through the 1-iteration fallback is refused from the cache to a caller without it", async () => {
    const options = resolveSealOptions({});
    const legacy = await seal({ v: 1 }, PW, { iterations: 1 });
    const { backend } = countingBackend();
    expect(await unsealDetailed(backend, legacy, PW, options)).toMatchObject({ value: { v: 1 }, legacy: true });
    expect(() => unsealDetailed(backend, legacy, PW, options, { legacyFallback: false })).toThrow(
      expect.objectContaining({ code: "ERR_SEAL_MAC" }),
    );
    // With the fallback it is still answered from the cache, flagged as legacy.
    expect(unsealDetailed(backend, legacy, PW, options)).toMatchObject({ value: { v: 1 }, legacy: true });
  });

  it("reports the same details from the cache as from the first check", async () => {
    const options = resolveSealOptions({ iterations: 1, ttl: 60_000 });
    const passwords = [`${PW}-new`, { id: "old", secret: PW }];
    const token = await sealWith(countingBackend().backend, { v: 1 }, { id: "old", secret: PW }, options);
    const { backend } = countingBackend();
    const first = await unsealDetailed(backend, token, passwords, options);
    const again = unsealDetailed(backend, token, passwords, options);
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ passwordId: "old", rotated: true, legacy: false, untagged: false });
    expect(first.expiration).toBe(Number(field(token, 5)));
  });

  it("keeps tokens up to 16 KiB: a longer one is checked in full every time", async () => {
    const options = resolveSealOptions({ iterations: 1 });
    for (const [length, cached] of [
      [16 * 1024, true],
      [16 * 1024 + 1, false],
    ] as const) {
      const token = await tokenOfLength(length, options);
      const { backend, calls } = countingBackend();
      const password = passwordFor(token);
      await unsealDetailed(backend, token, password, options);
      const hmacs = calls.createHmac;
      await unsealDetailed(backend, token, password, options);
      expect(calls.createHmac > hmacs).toBe(!cached);
    }
  });

  it("a token as long as maxLength is read; one character more is refused unread", async () => {
    const token = await seal({ v: 1 }, PW, { iterations: 1 });
    expect(await unseal(token, PW, { iterations: 1, maxLength: token.length })).toEqual({ v: 1 });
    await expect(unseal(token, PW, { iterations: 1, maxLength: token.length - 1 })).rejects.toMatchObject({
      code: "ERR_SEAL_FORMAT",
    });
  });

  it("at 1 iteration there is no fallback to try: a bad MAC costs one HMAC", async () => {
    // Salts too short for tags: the MAC is the only HMAC.
    const options = resolveSealOptions({ iterations: 1, saltBits: 32 });
    const token = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
    const parts = token.split("*");
    parts[7] = `${parts[7]?.startsWith("A") ? "B" : "A"}${parts[7]?.slice(1)}`;
    const { backend, calls } = countingBackend();
    expect(() => unsealDetailed(backend, parts.join("*"), PW, options)).toThrow(
      expect.objectContaining({ code: "ERR_SEAL_MAC" }),
    );
    expect(calls.createHmac).toBe(1);
  });
});

/** A 1-iteration token of exactly `length` characters: the password id pads it to the length. */
async function tokenOfLength(length: number, options: ReturnType<typeof resolveSealOptions>): Promise<string> {
  // base64url makes 4 characters of 3 bytes; the rest of the token is under 300 characters.
  const value = { pad: "x".repeat(Math.floor(((length - 300) * 3) / 4)) };
  const plain = await sealWith(countingBackend().backend, value, { id: "k", secret: PW }, options);
  const id = "k".repeat(1 + length - plain.length);
  const token = await sealWith(countingBackend().backend, value, { id, secret: PW }, options);
  expect(token).toHaveLength(length);
  return token;
}

const passwordFor = (token: string) => [{ id: field(token, 1), secret: PW }];

/** A WebCrypto whose first `failures` PBKDF2 derivations fail. */
function flakyCrypto(failures: number) {
  let left = failures;
  const subtle = globalThis.crypto.subtle;
  const flakySubtle = new Proxy(subtle, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== "deriveBits") return typeof value === "function" ? value.bind(target) : value;
      return (...args: Parameters<SubtleCrypto["deriveBits"]>) =>
        left-- > 0 ? Promise.reject(new Error("deriveBits failed")) : subtle.deriveBits(...args);
    },
  });
  const crypto = new Proxy(globalThis.crypto, {
    get(target, property) {
      if (property === "subtle") return flakySubtle;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { crypto };
}
