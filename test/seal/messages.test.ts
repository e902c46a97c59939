import * as nodeCrypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { createNodeBackend } from "../../src/seal/backend-node.ts";
import { isSessionError, type SealCallOptions, seal, unseal } from "../../src/seal/index.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { handMade } from "./hand-made.ts";

// The exact text of every refusal and configuration error of the seal engine.
// A code is the contract for programs; the message is the contract for the
// developer reading a log or a stack trace, so a change to one shows up here.

const PW = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const FAST = { iterations: 1, legacyFallback: false } as const;

/** `code: message` of what a call throws or rejects with; a non-SessionError fails the test. */
async function failure(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (error) {
    if (!isSessionError(error)) throw error;
    return `${error.code}: ${error.message}`;
  }
  return "no error";
}

const sealFailure = (value: unknown, password: unknown = PW, options: SealCallOptions = FAST) =>
  failure(() => seal(value, password as string, options));

describe("configuration errors name the option, its range and what was given", () => {
  it("seal options", async () => {
    const cases: SealCallOptions[] = [
      { encryption: { algorithm: "aes-192-gcm" as "aes-256-cbc" } },
      { integrity: { algorithm: "sha1" as "sha256" } },
      { encryption: { iterations: 0 } },
      { integrity: { iterations: 2 ** 31 } },
      { encryption: { saltBits: 4097 } },
      { integrity: { saltBits: 0.5 } },
      { encryption: { minPasswordlength: -1 } },
      { integrity: { minPasswordlength: 1.5 } },
      { ttl: -1 },
      { ttl: 1e15 + 1 },
      { timestampSkewSec: -1 },
      { timestampSkewSec: Number.POSITIVE_INFINITY },
      { localtimeOffsetMsec: -1e12 - 1 },
      { localtimeOffsetMsec: 1e12 + 1 },
      { saltReuseMs: -1 },
      { derivationBudget: { maxInFlight: 0 } },
      { derivationBudget: { maxPerSecond: 0.5 } },
    ];
    const messages = [];
    for (const options of cases) messages.push(await sealFailure({ v: 1 }, PW, options));
    expect(messages).toMatchInlineSnapshot(`
      [
        "ERR_CONFIG: sealed-session: seal encryption.algorithm must be "aes-256-cbc", "aes-128-ctr" (got "aes-192-gcm")",
        "ERR_CONFIG: sealed-session: seal integrity.algorithm must be "sha256" (got "sha1")",
        "ERR_CONFIG: sealed-session: seal iterations must be an integer from 1 to 2147483647",
        "ERR_CONFIG: sealed-session: seal iterations must be an integer from 1 to 2147483647",
        "ERR_CONFIG: sealed-session: seal saltBits must be an integer from 1 to 4096",
        "ERR_CONFIG: sealed-session: seal saltBits must be an integer from 1 to 4096",
        "ERR_CONFIG: sealed-session: seal minPasswordlength must be an integer ≥ 0",
        "ERR_CONFIG: sealed-session: seal minPasswordlength must be an integer ≥ 0",
        "ERR_CONFIG: sealed-session: seal ttl (ms) must be a number from 0 to 1000000000000000",
        "ERR_CONFIG: sealed-session: seal ttl (ms) must be a number from 0 to 1000000000000000",
        "ERR_CONFIG: sealed-session: seal timestampSkewSec must be a finite number ≥ 0",
        "ERR_CONFIG: sealed-session: seal timestampSkewSec must be a finite number ≥ 0",
        "ERR_CONFIG: sealed-session: seal localtimeOffsetMsec must be a number from -1000000000000 to 1000000000000",
        "ERR_CONFIG: sealed-session: seal localtimeOffsetMsec must be a number from -1000000000000 to 1000000000000",
        "ERR_CONFIG: sealed-session: seal saltReuseMs (0 turns salt reuse off) must be a finite number ≥ 0",
        "ERR_CONFIG: sealed-session: seal derivationBudget.maxInFlight must be a number ≥ 1",
        "ERR_CONFIG: sealed-session: seal derivationBudget.maxPerSecond must be a number ≥ 1",
      ]
    `);
  });

  it("the largest and smallest values of each range are accepted", async () => {
    const cases: SealCallOptions[] = [
      { iterations: 1 },
      { encryption: { iterations: 1 }, integrity: { iterations: 1 }, saltBits: 1 },
      { ...FAST, saltBits: 4096 },
      { ...FAST, minPasswordlength: 0 },
      { ...FAST, ttl: 0 },
      { ...FAST, ttl: 1e15 },
      { ...FAST, timestampSkewSec: 0 },
      { ...FAST, localtimeOffsetMsec: -1e12 },
      { ...FAST, localtimeOffsetMsec: 1e12 },
      { ...FAST, saltReuseMs: 0 },
      { ...FAST, derivationBudget: { maxInFlight: 1, maxPerSecond: 1 } },
      { ...FAST, derivationBudget: { maxInFlight: Number.POSITIVE_INFINITY, maxPerSecond: Number.POSITIVE_INFINITY } },
    ];
    for (const options of cases) {
      expect(await unseal(await seal({ v: 1 }, PW, options), PW, options)).toEqual({ v: 1 });
    }
  });

  it("the largest iteration count is accepted (the check, not a derivation: the password is too short)", async () => {
    expect(await sealFailure({ v: 1 }, "short", { iterations: 2 ** 31 - 1 })).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: password must be at least 32 characters long (got 5)"`,
    );
  });

  it("passwords", async () => {
    const cases: unknown[] = [
      [],
      42,
      null,
      [42],
      [null],
      { id: "a b", secret: PW },
      { id: 7, secret: PW },
      [{ id: 7, secret: PW }],
      [{ id: ["k1"], secret: PW }],
      "",
      { secret: "" },
      { id: "k1", secret: undefined },
      { encryption: PW, integrity: 42 },
      "x".repeat(31),
      { encryption: PW, integrity: "y".repeat(20) },
      new Uint8Array(15),
      new Uint8Array(16),
      { encryption: new Uint8Array(32), integrity: new Uint8Array(8) },
    ];
    const messages = [];
    for (const password of cases) messages.push(await sealFailure({ v: 1 }, password));
    expect(messages).toMatchInlineSnapshot(`
      [
        "ERR_CONFIG: sealed-session: password list is empty",
        "ERR_CONFIG: sealed-session: password must be a string, a Uint8Array, { id, secret } or { id, encryption, integrity }, or a list or table of those",
        "ERR_CONFIG: sealed-session: password must be a string, a Uint8Array, { id, secret } or { id, encryption, integrity }, or a list or table of those",
        "ERR_CONFIG: sealed-session: password entries must be a string, a Uint8Array, { id, secret } or { id, encryption, integrity }",
        "ERR_CONFIG: sealed-session: password entries must be a string, a Uint8Array, { id, secret } or { id, encryption, integrity }",
        "ERR_CONFIG: sealed-session: password id must match /^\\w+$/ (letters, digits and underscores)",
        "ERR_CONFIG: sealed-session: password is missing",
        "ERR_CONFIG: sealed-session: password id must match /^\\w+$/ (letters, digits and underscores)",
        "ERR_CONFIG: sealed-session: password id must match /^\\w+$/ (letters, digits and underscores)",
        "ERR_CONFIG: sealed-session: password is empty",
        "ERR_CONFIG: sealed-session: password is empty",
        "ERR_CONFIG: sealed-session: password is missing",
        "ERR_CONFIG: sealed-session: password must be a string or a Uint8Array",
        "ERR_CONFIG: sealed-session: password must be at least 32 characters long (got 31)",
        "ERR_CONFIG: sealed-session: password must be at least 32 characters long (got 20)",
        "ERR_CONFIG: sealed-session: a Uint8Array password must hold at least 16 bytes (got 15)",
        "ERR_CONFIG: sealed-session: a Uint8Array encryption key must be 32 bytes for this algorithm",
        "ERR_CONFIG: sealed-session: a Uint8Array password must hold at least 16 bytes (got 8)",
      ]
    `);
  });

  it("an aes-128-ctr key of bytes must be 16 bytes", async () => {
    const options = { ...FAST, encryption: { algorithm: "aes-128-ctr" } } as const;
    expect(await sealFailure({ v: 1 }, new Uint8Array(32), options)).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: a Uint8Array encryption key must be 16 bytes for this algorithm"`,
    );
    const key = { encryption: new Uint8Array(16), integrity: new Uint8Array(32) };
    expect(await unseal(await seal({ v: 1 }, key, options), key, options)).toEqual({ v: 1 });
  });
});

describe("a seal the engine will not write", () => {
  it("an expiration past 16 digits, from options that skipped validation (the session layer's computed ttl)", async () => {
    const options = { ...resolveSealOptions(FAST), ttl: 1e16 };
    expect(await failure(() => sealWith(createNodeBackend(nodeCrypto), { v: 1 }, PW, options))).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: the seal's expiration is out of range: check ttl and localtimeOffsetMsec"`,
    );
  });
});

describe("values that cannot be sealed name the key and what it holds", () => {
  it("each kind of value JSON would lose", async () => {
    const long = "k".repeat(100);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: unknown[] = [
      () => 1,
      { f: () => 1 },
      { s: Symbol("s") },
      [1, 2n],
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { deep: { [long]: Number.NEGATIVE_INFINITY } },
      { "": Number.NaN },
      cycle,
      undefined,
      { toJSON: () => undefined },
      {
        toJSON() {
          throw new Error("secret detail");
        },
      },
      { late: { toJSON: () => [1, { n: Number.NaN }] } },
    ];
    const messages = [];
    for (const value of cases) messages.push(await sealFailure(value));
    expect(messages).toMatchInlineSnapshot(`
      [
        "ERR_SEAL_VALUE: value cannot be sealed: the value is a function",
        "ERR_SEAL_VALUE: value cannot be sealed: key "f" is a function",
        "ERR_SEAL_VALUE: value cannot be sealed: key "s" is a symbol",
        "ERR_SEAL_VALUE: value cannot be sealed: key "1" is a bigint",
        "ERR_SEAL_VALUE: value cannot be sealed: key "n" is NaN",
        "ERR_SEAL_VALUE: value cannot be sealed: key "n" is Infinity",
        "ERR_SEAL_VALUE: value cannot be sealed: key "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" is -Infinity",
        "ERR_SEAL_VALUE: value cannot be sealed: key "" is NaN",
        "ERR_SEAL_VALUE: value cannot be sealed: it contains a cycle",
        "ERR_SEAL_VALUE: value cannot be sealed: it has no JSON form",
        "ERR_SEAL_VALUE: value cannot be sealed: it has no JSON form",
        "ERR_SEAL_VALUE: value cannot be sealed: it has no JSON form",
        "ERR_SEAL_VALUE: value cannot be sealed: key "n" is NaN",
      ]
    `);
  });

  it("a value nested too deep", async () => {
    let value: unknown = 1;
    for (let i = 0; i < 129; i++) value = [value];
    expect(await sealFailure(value)).toMatchInlineSnapshot(
      `"ERR_SEAL_PAYLOAD: value is nested more than 128 levels deep"`,
    );
  });
});

describe("refused tokens say which check failed", () => {
  it("each field of the token", async () => {
    const token = await seal({ v: 1 }, PW, { ...FAST, ttl: 60_000 });
    const parts = token.split("*");
    const withField = (index: number, value: string) => parts.map((p, i) => (i === index ? value : p)).join("*");
    const tokens: unknown[] = [
      42,
      "a".repeat(4097),
      "Fe26.2*x",
      withField(0, "Fe26.1"),
      withField(1, "a-b"),
      withField(2, "G"),
      withField(2, "a".repeat(1025)),
      withField(6, "G"),
      withField(6, "a".repeat(1025)),
      withField(3, "A".repeat(21)),
      withField(3, "A".repeat(23)),
      withField(3, "A".repeat(21).replace("A", ".")),
      withField(4, ""),
      withField(4, "A".repeat(20)),
      withField(4, "A".repeat(21)),
      withField(4, `${"A".repeat(20)}=`),
      withField(5, "1".repeat(17)),
      withField(5, "x"),
      withField(5, "1"),
      withField(7, "A".repeat(42)),
      withField(7, "A".repeat(44)),
      withField(7, `${"A".repeat(42)}+`),
      withField(7, "A".repeat(43)),
    ];
    const messages = [];
    for (const t of tokens) messages.push(await failure(() => unseal(t as string, PW, { ...FAST, maxLength: 4096 })));
    expect(messages).toMatchInlineSnapshot(`
      [
        "ERR_SEAL_FORMAT: not a valid seal: token is not a string",
        "ERR_SEAL_FORMAT: not a valid seal: token is too long",
        "ERR_SEAL_FORMAT: not a valid seal: a seal has 8 fields",
        "ERR_SEAL_FORMAT: not a valid seal: wrong prefix",
        "ERR_SEAL_FORMAT: not a valid seal: invalid password id",
        "ERR_SEAL_FORMAT: not a valid seal: invalid encryption salt",
        "ERR_SEAL_FORMAT: not a valid seal: invalid encryption salt",
        "ERR_SEAL_FORMAT: not a valid seal: invalid integrity salt",
        "ERR_SEAL_FORMAT: not a valid seal: invalid integrity salt",
        "ERR_SEAL_FORMAT: not a valid seal: invalid iv",
        "ERR_SEAL_FORMAT: not a valid seal: invalid iv",
        "ERR_SEAL_FORMAT: not a valid seal: invalid iv",
        "ERR_SEAL_FORMAT: not a valid seal: invalid ciphertext",
        "ERR_SEAL_FORMAT: not a valid seal: ciphertext is not whole blocks",
        "ERR_SEAL_FORMAT: not a valid seal: invalid ciphertext",
        "ERR_SEAL_FORMAT: not a valid seal: invalid ciphertext",
        "ERR_SEAL_FORMAT: not a valid seal: invalid expiration",
        "ERR_SEAL_FORMAT: not a valid seal: invalid expiration",
        "ERR_SEAL_EXPIRED: the seal has expired",
        "ERR_SEAL_FORMAT: not a valid seal: invalid mac",
        "ERR_SEAL_FORMAT: not a valid seal: invalid mac",
        "ERR_SEAL_FORMAT: not a valid seal: invalid mac",
        "ERR_SEAL_MAC: the seal's integrity check failed",
      ]
    `);
  });

  it("a password id no configured password has", async () => {
    const token = await seal({ v: 1 }, { id: "k2", secret: PW }, FAST);
    expect(await failure(() => unseal(token, [{ id: "k1", secret: PW }], FAST))).toMatchInlineSnapshot(
      `"ERR_SEAL_PASSWORD_ID: no configured password matches the seal's password id"`,
    );
  });

  it("authentic tokens whose payload is not usable, on either backend", async () => {
    const garbage = new Uint8Array(16).fill(7);
    const deep = `${"[".repeat(129)}1${"]".repeat(129)}`;
    const messages = [];
    for (const crypto of [undefined, globalThis.crypto]) {
      // Bytes that are not UTF-8 inside a JSON string: refused, not read as U+FFFD.
      const notUtf8 = new Uint8Array([0x22, 0xff, 0x22]);
      for (const token of [
        handMade(PW, garbage, { raw: true }),
        handMade(PW, "not json{"),
        handMade(PW, deep),
        handMade(PW, notUtf8),
      ]) {
        messages.push(await failure(() => unseal(token, PW, { ...FAST, crypto })));
      }
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "ERR_SEAL_PAYLOAD: the seal's payload could not be decrypted",
        "ERR_SEAL_PAYLOAD: the seal's payload is not JSON",
        "ERR_SEAL_PAYLOAD: value is nested more than 128 levels deep",
        "ERR_SEAL_PAYLOAD: the seal's payload could not be decrypted",
        "ERR_SEAL_PAYLOAD: the seal's payload could not be decrypted",
        "ERR_SEAL_PAYLOAD: the seal's payload is not JSON",
        "ERR_SEAL_PAYLOAD: value is nested more than 128 levels deep",
        "ERR_SEAL_PAYLOAD: the seal's payload could not be decrypted",
      ]
    `);
  });

  it("an untagged token past the derivation budget", async () => {
    const options = { iterations: 2, legacyFallback: false, derivationBudget: { maxInFlight: 1, maxPerSecond: 1 } };
    const plaintext = new TextEncoder().encode('{"v":1}');
    expect(await unseal(handMade(PW, plaintext, { iterations: 2 }), PW, options)).toEqual({ v: 1 });
    expect(await failure(() => unseal(handMade(PW, plaintext, { iterations: 2 }), PW, options))).toMatchInlineSnapshot(
      `"ERR_SEAL_BUSY: too many untagged seals to verify right now"`,
    );
  });
});

describe("an error from below is kept as the cause", () => {
  it("a toJSON that throws, a payload that does not decrypt, a payload that is not JSON", async () => {
    const thrown = new Error("from toJSON");
    const sealing = await seal(
      {
        toJSON() {
          throw thrown;
        },
      },
      PW,
      FAST,
    ).catch((error: unknown) => error);
    expect(sealing).toMatchObject({ code: "ERR_SEAL_VALUE", cause: thrown });
    const garbage = handMade(PW, new Uint8Array(16).fill(7), { raw: true });
    const decrypting = await unseal(garbage, PW, FAST).catch((error: unknown) => error);
    expect(decrypting).toMatchObject({ code: "ERR_SEAL_PAYLOAD", cause: expect.any(Error) });
    const parsing = await unseal(handMade(PW, "not json{"), PW, FAST).catch((error: unknown) => error);
    expect(parsing).toMatchObject({ code: "ERR_SEAL_PAYLOAD", cause: expect.any(SyntaxError) });
  });
});
