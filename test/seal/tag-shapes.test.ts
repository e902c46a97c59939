import * as hapi from "@hapi/iron";
import { describe, expect, it } from "vitest";
import { type PasswordInput, type SealCallOptions, seal, unseal } from "../../src/seal/index.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend, derivations } from "../helpers/counting-backend.ts";

// Which seals carry salt tags, for every password shape and salt size, and what
// a tag saves: a tagged salt is recognised without spending the derivation budget.

const PW = "tag-shapes-password-that-is-long-enough-for-iron";
const KEY = new Uint8Array(32).fill(9);
const FAST = { iterations: 1, saltReuseMs: 0 } as const;

const salts = (token: string) => {
  const parts = token.split("*");
  return { enc: parts[2] ?? "", mac: parts[6] ?? "" };
};

/** True when the two salts share their first half exactly as a tagged pair does. */
function looksTagged(token: string): boolean {
  const { enc, mac } = salts(token);
  return enc.length === mac.length && enc.length >= 16 && enc.slice(0, enc.length / 2) === mac.slice(0, mac.length / 2);
}

async function opened(password: PasswordInput, options: SealCallOptions) {
  const token = await seal({ v: 1 }, password, options);
  const result = await unsealDetailed(countingBackend().backend, token, password, resolveSealOptions(options));
  expect(result.value).toEqual({ v: 1 });
  return { token, untagged: result.untagged };
}

describe("which seals carry salt tags", () => {
  it("string secrets, equal salt sizes of at least 64 bits: tagged", async () => {
    // Tags are half the salt up to 128 bits of tag: 512 and 1024 bits keep a longer nonce.
    for (const saltBits of [64, 65, 72, 256, 512, 1024]) {
      const { token, untagged } = await opened(PW, { ...FAST, saltBits });
      expect(looksTagged(token)).toBe(true);
      expect(salts(token).enc).toHaveLength(Math.ceil(saltBits / 8) * 2);
      expect(salts(token).mac).toHaveLength(Math.ceil(saltBits / 8) * 2);
      expect(untagged).toBe(false);
    }
    const split = { encryption: PW, integrity: `${PW}-mac` };
    expect(looksTagged((await opened(split, FAST)).token)).toBe(true);
  });

  it("salts under 64 bits: no tags, and a token of such salts is not flagged for a reseal", async () => {
    for (const saltBits of [1, 8, 9, 32, 56]) {
      const { token, untagged } = await opened(PW, { ...FAST, saltBits });
      const { enc, mac } = salts(token);
      expect(enc).toHaveLength(Math.ceil(saltBits / 8) * 2);
      expect(mac).toHaveLength(enc.length);
      expect(untagged).toBe(false);
      // Independent random salts, no shared nonce (equal by chance once in 2^32 at 32 bits).
      if (saltBits >= 32) expect(enc).not.toBe(mac);
    }
  });

  it("unequal encryption and integrity salt sizes: no tags, independent random salts", async () => {
    const options = { ...FAST, encryption: { saltBits: 128 }, integrity: { saltBits: 256 } };
    for (let i = 0; i < 4; i++) {
      const { token, untagged } = await opened(PW, options);
      const { enc, mac } = salts(token);
      expect([enc.length, mac.length]).toEqual([32, 64]);
      expect(untagged).toBe(false);
      // Untagged salts are random: the halves a tag would share differ (1 chance in 2^64 otherwise).
      expect(enc.slice(0, 16)).not.toBe(mac.slice(0, 16));
    }
    const reversed = { ...FAST, encryption: { saltBits: 256 }, integrity: { saltBits: 128 } };
    expect((await opened(PW, reversed)).untagged).toBe(false);
  });

  it("raw key bytes on either side: that side has no salt, the other a random untagged one", async () => {
    const bytesForEncryption = await opened({ encryption: KEY, integrity: PW }, FAST);
    expect(salts(bytesForEncryption.token).enc).toBe("");
    expect(salts(bytesForEncryption.token).mac).toMatch(/^[0-9a-f]{64}$/);
    expect(bytesForEncryption.untagged).toBe(false);

    const bytesForIntegrity = await opened({ encryption: PW, integrity: KEY }, FAST);
    expect(salts(bytesForIntegrity.token).enc).toMatch(/^[0-9a-f]{64}$/);
    expect(salts(bytesForIntegrity.token).mac).toBe("");
    expect(bytesForIntegrity.untagged).toBe(false);

    const bytesOnly = await opened(KEY, FAST);
    expect(salts(bytesOnly.token)).toEqual({ enc: "", mac: "" });
    expect(bytesOnly.untagged).toBe(false);
  });

  it("an untagged token is flagged for a reseal only when the sealing password would tag", async () => {
    const theirs = await hapi.seal({ v: 1 }, PW, {
      ...hapi.defaults,
      encryption: { ...hapi.defaults.encryption, iterations: 1 },
      integrity: { ...hapi.defaults.integrity, iterations: 1 },
    });
    const flag = async (password: PasswordInput, options: SealCallOptions = FAST) =>
      (await unsealDetailed(countingBackend().backend, theirs, password, resolveSealOptions(options))).untagged;
    expect(await flag(PW)).toBe(true);
    // The primary (first) password decides: a reseal is made with it.
    expect(await flag([{ encryption: KEY, integrity: `${PW}-other` }, PW])).toBe(false);
    expect(await flag([{ encryption: `${PW}-other`, integrity: KEY }, PW])).toBe(false);
    expect(await flag(PW, { ...FAST, encryption: { saltBits: 128 } })).toBe(false);
  });
});

describe("what a tag saves", () => {
  it("a tagged token opens under an empty derivation budget; an untagged one of the same shape does not", async () => {
    const options = resolveSealOptions({ derivationBudget: { maxInFlight: 1, maxPerSecond: 1.000_002 } });
    const tagged = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
    const untagged = await sealWith(
      countingBackend().backend,
      { v: 2 },
      PW,
      resolveSealOptions({ encryption: { saltBits: 248 }, derivationBudget: options.derivationBudget }),
    );
    // Spend the one derivation of this second on an untagged token of another writer.
    const spent = await hapi.seal({ v: 0 }, PW, {
      ...hapi.defaults,
      encryption: { ...hapi.defaults.encryption, iterations: 8192 },
      integrity: { ...hapi.defaults.integrity, iterations: 8192 },
    });
    expect((await unsealDetailed(countingBackend().backend, spent, PW, options)).value).toEqual({ v: 0 });
    expect((await unsealDetailed(countingBackend().backend, tagged, PW, options)).value).toEqual({ v: 1 });
    const other = resolveSealOptions({ encryption: { saltBits: 248 }, derivationBudget: options.derivationBudget });
    await expect((async () => unsealDetailed(countingBackend().backend, untagged, PW, other))()).rejects.toMatchObject({
      code: "ERR_SEAL_BUSY",
    });
  });

  it("the tag key is made once per password and backend: later claims cost two HMACs at most", async () => {
    const options = resolveSealOptions({});
    const token = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
    const { enc, mac } = salts(token);
    const { backend, calls } = countingBackend();
    const forge = (i: number) => {
      const parts = token.split("*");
      // The integrity tag's last character changed: the claim stands, the tag is wrong.
      parts[6] = mac.slice(0, -1) + ((Number.parseInt(mac.slice(-1), 16) + i) % 16).toString(16);
      parts[2] = enc;
      return parts.join("*");
    };
    for (let i = 1; i <= 3; i++) {
      await expect((async () => unsealDetailed(backend, forge(i), PW, options))()).rejects.toMatchObject({
        code: "ERR_SEAL_MAC",
      });
    }
    // One HMAC for the tag key, then one integrity-tag HMAC per forgery; nothing derived.
    expect(calls.createHmac).toBe(1 + 3);
    expect(derivations(calls)).toBe(0);
  });
});

describe("seals of every shape open in @hapi/iron", () => {
  it("split passwords and unequal salt sizes", async () => {
    const ironOptions = (encryptionSaltBits: number) => ({
      ...hapi.defaults,
      encryption: { ...hapi.defaults.encryption, iterations: 1, saltBits: encryptionSaltBits },
      integrity: { ...hapi.defaults.integrity, iterations: 1 },
    });
    const split = { id: "s1", encryption: PW, integrity: `${PW}-mac` };
    const token = await seal({ v: 1 }, split, FAST);
    expect(await hapi.unseal(token, { s1: split }, ironOptions(256))).toEqual({ v: 1 });
    // Raw key bytes: iron uses them as the keys, with no salt and no derivation.
    const key = new Uint8Array(32).fill(8);
    const bytes = await seal({ v: 3 }, key, FAST);
    expect(await hapi.unseal(bytes, Buffer.from(key), ironOptions(256))).toEqual({ v: 3 });
    const theirs = await hapi.seal({ v: 4 }, Buffer.from(key), ironOptions(256));
    expect(await unseal(theirs, key, FAST)).toEqual({ v: 4 });
    const unequal = await seal({ v: 2 }, PW, { ...FAST, encryption: { saltBits: 128 } });
    expect(await hapi.unseal(unequal, PW, ironOptions(128))).toEqual({ v: 2 });
    expect(await unseal(unequal, PW, { ...FAST, encryption: { saltBits: 128 } })).toEqual({ v: 2 });
  });
});

describe("tags across versions and backends", () => {
  // A seal of this library as written on 2026-11-29 (2 iterations, tagged salts): every later
  // version must still recognise its tags, or a rolling deploy makes every user's cookie untagged.
  const VECTOR_PASSWORD = "tag-vector-password-that-is-long-enough-for-iron";
  const VECTOR =
    "Fe26.2**1410f289c28d8e340f3d2154a2abfa17f8d7c8a445f3ea2c5992d982c7400fb9*XCkJooEYkIfVu8oxsP08rA*yLWAB0_MKfv7SrZZoeFr81RY7TMsLf8m5MfilrffXmE**1410f289c28d8e340f3d2154a2abfa177f66dc983c7bcefc4f4b2ff8686c92aa*OOZxgdo3-W81SUEIxzRuo7_ZdIo9kFfZqoLVijoXADE";

  it("a tagged seal of an earlier version passes its tag check, on both backends", async () => {
    const options = resolveSealOptions({ iterations: 2, legacyFallback: false } as SealCallOptions);
    const { backend, calls } = countingBackend();
    const result = await unsealDetailed(backend, VECTOR, VECTOR_PASSWORD, options);
    expect(result).toMatchObject({ value: { vector: "tagged", n: 1 }, untagged: false });
    // The tag key, the integrity tag, the encryption tag, the MAC: no 1-iteration try, nothing untagged.
    expect(calls.createHmac).toBe(4);
    expect(await unseal(VECTOR, VECTOR_PASSWORD, { iterations: 2, crypto: globalThis.crypto })).toEqual({
      vector: "tagged",
      n: 1,
    });
  });

  it("salts that do not claim (lengths differ, or too short to tag) take the untagged path", async () => {
    const options = resolveSealOptions({ derivationBudget: { maxInFlight: 1e9, maxPerSecond: 1e9 } });
    const token = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
    const { enc, mac } = salts(token);
    const parts = token.split("*");
    // The nonce alone as the encryption salt: it shares the integrity salt's first half, but not its length.
    const nonceOnly = [...parts.slice(0, 2), enc.slice(0, enc.length / 2), ...parts.slice(3)].join("*");
    // Equal salts of 56 bits: too short to carry a tag, whatever they share.
    const shortSalt = mac.slice(0, 14);
    const short = [...parts.slice(0, 2), shortSalt, ...parts.slice(3, 6), shortSalt, parts[7]].join("*");
    for (const forged of [nonceOnly, short]) {
      const { backend, calls } = countingBackend();
      await expect((async () => unsealDetailed(backend, forged, PW, options))()).rejects.toMatchObject({
        code: "ERR_SEAL_MAC",
      });
      // Untagged: the 1-iteration key, then the configured one; a refused claim would derive nothing.
      expect(derivations(calls)).toBe(2);
    }
  });

  it("on WebCrypto, a list: a password whose tags fail is not derived for, beside one whose keys are cached", async () => {
    const { crypto, derived } = countingWebCrypto();
    const options = { crypto, saltReuseMs: 60_000 };
    const first = await seal({ n: 1 }, PW, options);
    const second = await seal({ n: 2 }, PW, options);
    expect(await unseal(first, PW, options)).toEqual({ n: 1 });
    const before = derived();
    // The other password's tag check is pending while this password's keys are cached: the check decides.
    expect(await unseal(second, [`${PW}-other`, PW], options)).toEqual({ n: 2 });
    expect(derived()).toBe(before);
  });

  it("on WebCrypto, a claim with a wrong tag is refused before any derivation", async () => {
    const token = await seal({ v: 1 }, PW, { saltReuseMs: 0 });
    const parts = token.split("*");
    const mac = parts[6] ?? "";
    parts[6] = mac.slice(0, -1) + (mac.endsWith("0") ? "1" : "0");
    let derived = 0;
    const subtle = new Proxy(globalThis.crypto.subtle, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (property === "deriveBits") derived++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const crypto = { subtle, getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) } as Crypto;
    for (const passwords of [PW, [PW, `${PW}-other`]]) {
      await expect(unseal(parts.join("*"), passwords, { crypto })).rejects.toMatchObject({ code: "ERR_SEAL_MAC" });
    }
    expect(derived).toBe(0);
  });
});

/** A WebCrypto whose PBKDF2 derivations are counted. */
function countingWebCrypto() {
  let count = 0;
  const subtle = new Proxy(globalThis.crypto.subtle, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "deriveBits") count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const crypto = { subtle, getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) } as Crypto;
  return { crypto, derived: () => count };
}
