import * as hapi from "@hapi/iron";
import { describe, expect, it } from "vitest";
import { type PasswordInput, seal, unseal } from "../../src/seal/index.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend } from "../helpers/counting-backend.ts";

// Every password shape, read the way @hapi/iron reads it: which entry seals,
// which entries open a token with or without an id, and what counts as one
// password rather than a table.

const A = "A-password-that-is-long-enough-for-iron-32chars";
const B = "B-password-that-is-long-enough-for-iron-32chars";
const C = "C-password-that-is-long-enough-for-iron-32chars";
const FAST = { iterations: 1, legacyFallback: false } as const;

const idOf = (token: string) => token.split("*")[1];
async function code(promise: Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await promise);
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}
/** Which password of `password` opened `token`, as unsealDetailed reports it. */
async function opener(token: string, password: PasswordInput) {
  const { passwordId, rotated } = await unsealDetailed(
    countingBackend().backend,
    token,
    password,
    resolveSealOptions(FAST),
    FAST,
  );
  return { passwordId, rotated };
}

describe("which entry seals and which entries open", () => {
  it("the first entry of a list seals, under its id", async () => {
    expect(idOf(await seal({ v: 1 }, [{ id: "k2", secret: A }, B], FAST))).toBe("k2");
    expect(idOf(await seal({ v: 1 }, [B, { id: "k2", secret: A }], FAST))).toBe("");
    expect(idOf(await seal({ v: 1 }, { id: "", secret: A }, FAST))).toBe("");
  });

  it("two entries with one id: the first one is that id", async () => {
    const token = await seal({ v: 1 }, { id: "k", secret: A }, FAST);
    expect(
      await code(
        unseal(
          token,
          [
            { id: "k", secret: A },
            { id: "k", secret: B },
          ],
          FAST,
        ),
      ),
    ).toBe('{"v":1}');
    expect(
      await code(
        unseal(
          token,
          [
            { id: "k", secret: B },
            { id: "k", secret: A },
          ],
          FAST,
        ),
      ),
    ).toBe("ERR_SEAL_MAC");
  });

  it("an id'd token: its entry only, else the entries without an id", async () => {
    const token = await seal({ v: 1 }, { id: "k1", secret: A }, FAST);
    expect(await opener(token, [B, { id: "k1", secret: A }])).toEqual({ passwordId: "k1", rotated: true });
    expect(await opener(token, [A])).toEqual({ passwordId: "", rotated: false });
    expect(await opener(token, [B, A])).toEqual({ passwordId: "", rotated: true });
    // Its own entry is there but wrong: the id-less entries are not tried.
    expect(await code(unseal(token, [A, { id: "k1", secret: B }], FAST))).toBe("ERR_SEAL_MAC");
    expect(await code(unseal(token, [{ id: "k2", secret: A }], FAST))).toBe("ERR_SEAL_PASSWORD_ID");
  });

  it("an id-less token: the entries without an id, then the one named default", async () => {
    const token = await seal({ v: 1 }, A, FAST);
    expect(await opener(token, [{ id: "x", secret: C }, B, { id: "default", secret: A }])).toEqual({
      passwordId: "default",
      rotated: true,
    });
    expect(await opener(token, { default: A, other: B })).toEqual({ passwordId: "default", rotated: false });
    expect(await opener(token, [{ id: "default", secret: A }, A])).toEqual({ passwordId: "", rotated: true });
    expect(await code(unseal(token, [{ id: "x", secret: A }], FAST))).toBe("ERR_SEAL_PASSWORD_ID");
  });
});

describe("untagged tokens and lists", () => {
  const hapiOptions = (iterations: number) => ({
    ...hapi.defaults,
    encryption: { ...hapi.defaults.encryption, iterations },
    integrity: { ...hapi.defaults.integrity, iterations },
  });

  it("an untagged token tries every entry at both iteration counts", async () => {
    const options = { derivationBudget: { maxInFlight: 1e9, maxPerSecond: 1e9 } };
    for (const iterations of [1, 8192]) {
      const token = await hapi.seal({ iterations }, A, hapiOptions(iterations));
      const { passwordId, rotated, legacy } = await unsealDetailed(
        countingBackend().backend,
        token,
        [B, C, A],
        resolveSealOptions(options),
      );
      expect({ passwordId, rotated, legacy }).toEqual({ passwordId: "", rotated: true, legacy: iterations === 1 });
    }
  });

  it("two untagged tokens derive at once when maxInFlight allows it", async () => {
    const options = resolveSealOptions({ derivationBudget: { maxInFlight: 2, maxPerSecond: 1e9 + 7 } });
    const [first, second] = await Promise.all([1, 2].map((n) => hapi.seal({ n }, A, hapiOptions(8192))));
    const { backend } = countingBackend();
    const both = await Promise.all([first, second].map((t) => unsealDetailed(backend, t as string, A, options)));
    expect(both.map((r) => r.value)).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe("a password normalized once answers from the verified-token cache", () => {
  it("for the same string or object, however many other strings come between", async () => {
    const options = resolveSealOptions(FAST);
    const table = { k1: A, k2: B };
    const passwords: PasswordInput[] = [A, table, [B, A], `${C}-x`];
    const tokens = await Promise.all(passwords.map((p) => seal({ v: 1 }, p, FAST)));
    const { backend, calls } = countingBackend();
    for (const [i, password] of passwords.entries()) {
      await unsealDetailed(backend, tokens[i] as string, password, options);
    }
    const hmacs = calls.createHmac;
    for (let round = 0; round < 3; round++) {
      for (const [i, password] of passwords.entries()) {
        expect((await unsealDetailed(backend, tokens[i] as string, password, options)).value).toEqual({ v: 1 });
      }
    }
    expect(calls.createHmac).toBe(hmacs);
  });
});

describe("one password or a table", () => {
  it("one password: { secret }, { id, secret }, { encryption, integrity } with or without an id", async () => {
    const split = { id: "s", encryption: A, integrity: B };
    const token = await seal({ v: 1 }, split, FAST);
    expect(idOf(token)).toBe("s");
    expect(await code(unseal(token, split, FAST))).toBe('{"v":1}');
    // The two halves really are apart: either secret alone fails the MAC or the decryption.
    expect(await code(unseal(token, { id: "s", secret: A }, FAST))).toBe("ERR_SEAL_MAC");
    expect(await code(unseal(token, { id: "s", secret: B }, FAST))).toBe("ERR_SEAL_PAYLOAD");
    const bytes = { encryption: new Uint8Array(32).fill(1), integrity: new Uint8Array(32).fill(2) };
    expect(await code(unseal(await seal({ v: 2 }, bytes, FAST), bytes, FAST))).toBe('{"v":2}');
  });

  it("a table: ids to any password shape, split ones included", async () => {
    const table = { k1: A, k2: { encryption: B, integrity: C }, k3: new Uint8Array(32).fill(3) };
    expect(idOf(await seal({ v: 1 }, table, FAST))).toBe("k1");
    const k2 = await seal({ v: 2 }, { id: "k2", encryption: B, integrity: C }, FAST);
    expect(await code(unseal(k2, table, FAST))).toBe('{"v":2}');
    const k3 = await seal({ v: 3 }, { id: "k3", secret: new Uint8Array(32).fill(3) }, FAST);
    expect(await code(unseal(k3, table, FAST))).toBe('{"v":3}');
  });

  it("objects that only look like one password are tables", async () => {
    // A non-string id, an extra key, or an object where a secret would be: each is a table of ids.
    const objectSecret = { secret: { encryption: A, integrity: B } };
    const token = await seal({ v: 1 }, { id: "secret", encryption: A, integrity: B }, FAST);
    expect(await code(unseal(token, objectSecret, FAST))).toBe('{"v":1}');
    // Entries without an id are not in the type, but a JavaScript caller can write them; iron reads a table.
    const splitObjects = { encryption: { secret: A }, integrity: { secret: B } } as unknown as PasswordInput;
    expect(idOf(await seal({ v: 1 }, splitObjects, FAST))).toBe("encryption");
    const three = { encryption: A, integrity: B, extra: C };
    expect(idOf(await seal({ v: 1 }, three, FAST))).toBe("encryption");
    const idPlusTwo = { id: C, secret: A, other: B };
    expect(idOf(await seal({ v: 1 }, idPlusTwo, FAST))).toBe("id");
  });

  it("raw key bytes and key-byte halves count as secrets, not as tables", async () => {
    const key = new Uint8Array(32).fill(4);
    expect(idOf(await seal({ v: 1 }, { secret: key }, FAST))).toBe("");
    expect(idOf(await seal({ v: 1 }, { id: "b", encryption: key, integrity: A }, FAST))).toBe("b");
  });

  it("a salted token is not meant for key bytes, nor a salt-less one for a string secret", async () => {
    const key = new Uint8Array(32).fill(6);
    const salted = await seal({ v: 1 }, A, FAST);
    const saltless = await seal({ v: 1 }, key, FAST);
    for (const crypto of [undefined, globalThis.crypto]) {
      expect(await code(unseal(salted, key, { ...FAST, crypto }))).toBe("ERR_SEAL_MAC");
      expect(await code(unseal(saltless, A, { ...FAST, crypto }))).toBe("ERR_SEAL_MAC");
      // A list holding both kinds finds the one that fits.
      expect(await code(unseal(salted, [key, A], { ...FAST, crypto }))).toBe('{"v":1}');
      expect(await code(unseal(saltless, [A, key], { ...FAST, crypto }))).toBe('{"v":1}');
    }
  });

  it("key bytes for integrity take no iteration count: their seals open at the defaults and are not legacy", async () => {
    // Default options: 8192 iterations with the 1-iteration fallback on. A MAC under key bytes passes at
    // either count, so a pass at 1 must not decide the count (it decrypted a string secret at 1 iteration).
    const key = new Uint8Array(32).fill(7);
    const passwords: PasswordInput[] = [key, { encryption: A, integrity: key }, { encryption: key, integrity: A }];
    for (const password of passwords) {
      for (const crypto of [undefined, globalThis.crypto]) {
        const token = await seal({ v: 1 }, password, { crypto });
        expect(await unseal(token, password, { crypto })).toEqual({ v: 1 });
      }
      const token = await seal({ v: 2 }, password);
      const result = await unsealDetailed(countingBackend().backend, token, password, resolveSealOptions({}));
      expect(result).toMatchObject({ value: { v: 2 }, legacy: false });
    }
    // A 1-iteration seal under a string integrity secret is still read, and flagged, through the fallback.
    const legacy = await seal({ v: 3 }, { encryption: key, integrity: A }, { iterations: 1 });
    const result = await unsealDetailed(
      countingBackend().backend,
      legacy,
      { encryption: key, integrity: A },
      resolveSealOptions({}),
    );
    expect(result).toMatchObject({ value: { v: 3 }, legacy: true });
  });

  it("the same password object or string is normalized once and answers alike every time", async () => {
    const table = { k1: A, k2: B };
    const token = await seal({ v: 1 }, { id: "k2", secret: B }, FAST);
    for (let i = 0; i < 3; i++) expect(await code(unseal(token, table, FAST))).toBe('{"v":1}');
    // Many different password strings: the string cache is bounded, every one still works.
    for (let i = 0; i < 70; i++) {
      const password = `${A}-${i}`;
      expect(await code(unseal(await seal({ i }, password, FAST), password, FAST))).toBe(`{"i":${i}}`);
    }
  });
});
