import * as hapi from "@hapi/iron";
import * as ironV2 from "iron-webcrypto";
import * as ironV1 from "iron-webcrypto-1";
import { describe, expect, it } from "vitest";
import { seal, unseal } from "../../src/seal/index.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { claimsTag, tagLength } from "../../src/seal/tags.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend, derivations } from "../helpers/counting-backend.ts";

const PASSWORD = "salt-tag-password-that-is-long-enough-for-iron";
const OTHER = "another-password-that-is-long-enough-for-iron!";
const webCrypto = globalThis.crypto as Parameters<typeof ironV1.seal>[0];
const ironOptions = (iterations: number) => ({
  ...hapi.defaults,
  encryption: { ...hapi.defaults.encryption, iterations, algorithm: "aes-256-cbc" as const },
  integrity: { ...hapi.defaults.integrity, iterations, algorithm: "sha256" as const },
});
const salts = (token: string) => {
  const parts = token.split("*");
  return { enc: parts[2] ?? "", mac: parts[6] ?? "" };
};
const withSalts = (token: string, enc: string, mac: string) => {
  const parts = token.split("*");
  parts[2] = enc;
  parts[6] = mac;
  return parts.join("*");
};
const flip = (hex: string, at: number) => hex.slice(0, at) + (hex[at] === "0" ? "1" : "0") + hex.slice(at + 1);

describe("tagged salts", () => {
  it("keep iron's hex alphabet and length, and claim to be ours (shared nonce)", async () => {
    for (const saltBits of [64, 128, 256, 512, 1024]) {
      const { enc, mac } = salts(await seal({ v: 1 }, PASSWORD, { saltBits, saltReuseMs: 0 }));
      expect(enc).toMatch(new RegExp(`^[0-9a-f]{${saltBits / 4}}$`));
      expect(mac).toMatch(new RegExp(`^[0-9a-f]{${saltBits / 4}}$`));
      expect(enc).not.toBe(mac);
      expect(claimsTag(enc, mac)).toBe(true);
    }
    // Independent random salts (every other iron writer) make no claim.
    const theirs = salts(await hapi.seal({ v: 1 }, PASSWORD, ironOptions(1)));
    expect(claimsTag(theirs.enc, theirs.mac)).toBe(false);
  });

  it("a tagged seal opens, unchanged, in @hapi/iron and iron-webcrypto 1.x and 2.x (at 8192 and 1 iterations)", async () => {
    for (const iterations of [8192, 1]) {
      const token = await seal({ user: "ada", n: [1, 2] }, PASSWORD, { iterations });
      const { enc, mac } = salts(token);
      expect(claimsTag(enc, mac)).toBe(true);
      const o = ironOptions(iterations);
      expect(await hapi.unseal(token, PASSWORD, o)).toEqual({ user: "ada", n: [1, 2] });
      expect(await ironV1.unseal(webCrypto, token, PASSWORD, o)).toEqual({ user: "ada", n: [1, 2] });
      expect(await ironV2.unseal(token, PASSWORD, o)).toEqual({ user: "ada", n: [1, 2] });
    }
  });

  it("tags agree across backends: a WebCrypto seal's tags pass on node:crypto and back", async () => {
    const viaWeb = await seal({ from: "web" }, PASSWORD, { crypto: globalThis.crypto, saltReuseMs: 0 });
    const viaNode = await seal({ from: "node" }, PASSWORD, { saltReuseMs: 0 });
    const { backend, calls } = countingBackend();
    expect((await unsealDetailed(backend, viaWeb, PASSWORD, resolveSealOptions({}))).value).toEqual({ from: "web" });
    // Tags passed: only the two keys of this seal were derived, no 1-iteration try.
    expect(calls).toMatchObject({ pbkdf2: 2, pbkdf2Sync: 0 });
    expect(await unseal(viaNode, PASSWORD, { crypto: globalThis.crypto })).toEqual({ from: "node" });
    const forged = withSalts(viaNode, salts(viaNode).enc, flip(salts(viaNode).mac, salts(viaNode).mac.length - 1));
    await expect(unseal(forged, PASSWORD, { crypto: globalThis.crypto })).rejects.toMatchObject({
      code: "ERR_SEAL_MAC",
    });
  });

  it("a claim with a wrong tag is refused for one HMAC, before any derivation", async () => {
    const options = resolveSealOptions({});
    const token = await sealWith(countingBackend().backend, { a: 1 }, PASSWORD, options);
    const { enc, mac } = salts(token);
    const tag = tagLength(mac.length);
    const forgeries = [
      withSalts(token, enc, flip(mac, mac.length - 1)), // integrity tag wrong
      withSalts(token, flip(enc, enc.length - tag), mac), // encryption tag wrong
      // A fresh nonce shared by both salts, with made-up tags: what a forger would write.
      withSalts(token, `${"ab".repeat(16)}${"0".repeat(tag)}`, `${"ab".repeat(16)}${"1".repeat(tag)}`),
    ];
    for (const forged of forgeries) {
      const { backend, calls } = countingBackend();
      await expect((async () => unsealDetailed(backend, forged, PASSWORD, options))()).rejects.toMatchObject({
        code: "ERR_SEAL_MAC",
      });
      expect(derivations(calls)).toBe(0);
      expect(calls.createDecipheriv).toBe(0);
      // The tag key (once per password and process) and at most two tag HMACs.
      expect(calls.createHmac).toBeLessThanOrEqual(3);
    }
  });

  it("a too-short password is ERR_CONFIG for a tagged token too, as for any other", async () => {
    const token = await seal({ a: 1 }, PASSWORD, { iterations: 1 });
    await expect(unseal(token, "short-password", { iterations: 1 })).rejects.toMatchObject({ code: "ERR_CONFIG" });
  });

  it("another password's tags do not pass: refused without derivation", async () => {
    const options = resolveSealOptions({});
    const token = await sealWith(countingBackend().backend, { a: 1 }, OTHER, options);
    const { backend, calls } = countingBackend();
    await expect((async () => unsealDetailed(backend, token, PASSWORD, options))()).rejects.toMatchObject({
      code: "ERR_SEAL_MAC",
    });
    expect(derivations(calls)).toBe(0);
  });

  it("with a list of passwords, a tagged token derives keys only for the one whose tags match", async () => {
    const options = resolveSealOptions({});
    const token = await sealWith(countingBackend().backend, { a: 1 }, OTHER, options);
    const { backend, calls } = countingBackend();
    const opened = await unsealDetailed(backend, token, [PASSWORD, `${PASSWORD}-2`, OTHER], options);
    expect(opened.value).toEqual({ a: 1 });
    expect(calls.pbkdf2 + calls.pbkdf2Sync).toBe(2); // the integrity and encryption keys of OTHER only
  });

  it("an untagged 8192-iteration token (@hapi/iron) tries the cheap 1-iteration key first, then derives once", async () => {
    const token = await hapi.seal({ from: "hapi" }, PASSWORD, ironOptions(8192));
    const { backend, calls } = countingBackend();
    const opened = await unsealDetailed(backend, token, PASSWORD, resolveSealOptions({}));
    expect(opened).toMatchObject({ value: { from: "hapi" }, legacy: false });
    expect(calls.pbkdf2Sync).toBe(1); // the 1-iteration integrity key, refused by the MAC
    expect(calls.pbkdf2).toBe(2); // then the 8192-iteration integrity and encryption keys
  });

  it("an untagged 1-iteration token (h3 v1, vinxi, iron-session) opens with no 8192-iteration work at all", async () => {
    const token = await hapi.seal({ from: "h3 v1" }, PASSWORD, ironOptions(1));
    const { backend, calls } = countingBackend();
    const opened = await unsealDetailed(backend, token, PASSWORD, resolveSealOptions({}));
    expect(opened).toMatchObject({ value: { from: "h3 v1" }, legacy: true });
    expect(calls.pbkdf2).toBe(0);
    expect(calls.pbkdf2Sync).toBe(2);
    // And it is still refused when the fallback is off.
    await expect(unseal(token, PASSWORD, { legacyFallback: false })).rejects.toMatchObject({ code: "ERR_SEAL_MAC" });
  });

  it("flags an untagged token for a reseal only when a seal made now would carry tags", async () => {
    const options = resolveSealOptions({ iterations: 1 });
    const { backend } = countingBackend();
    const open = async (token: string, password: Parameters<typeof unseal>[1] = PASSWORD, o = options) =>
      (await unsealDetailed(backend, token, password, o)).untagged;
    expect(await open(await hapi.seal({ v: 1 }, PASSWORD, ironOptions(1)))).toBe(true);
    expect(await open(await seal({ v: 1 }, PASSWORD, { iterations: 1 }))).toBe(false);
    // Salts too short to tag, or raw key bytes (no salts): resealing would not tag them, so no flag.
    const short = resolveSealOptions({ iterations: 1, saltBits: 32 });
    expect(
      await open(
        await hapi.seal({ v: 1 }, PASSWORD, {
          ...ironOptions(1),
          encryption: { ...ironOptions(1).encryption, saltBits: 32 },
          integrity: { ...ironOptions(1).integrity, saltBits: 32 },
        }),
        PASSWORD,
        short,
      ),
    ).toBe(false);
    expect(await open(await seal({ v: 1 }, PASSWORD, { iterations: 1, saltBits: 32 }), PASSWORD, short)).toBe(false);
    const key = new Uint8Array(32).fill(7);
    expect(await open(await seal({ v: 1 }, key, { iterations: 1 }), key)).toBe(false);
  });
});
