/**
 * The seal conformance suite: plain async cases with no test-runner imports,
 * so the same file runs under vitest (both backends) and under Bun, Deno and
 * workerd through `test/runtimes/run-conformance.ts`.
 */
import { type SealCallOptions, SessionError, seal, unseal } from "../../src/seal/index.ts";

export const VECTOR_PASSWORD = "some_not_random_password_that_is_also_long_enough";
export const VECTOR_VALUE = { a: 1, b: 2, c: [3, 4, 5], d: { e: "f" } };
/** The public iron test vector (aes-256-cbc, 1 iteration, no expiration). */
export const VECTOR_CBC =
  "Fe26.2**0cdd607945dd1dffb7da0b0bf5f1a7daa6218cbae14cac51dcbd91fb077aeb5b*aOZLCKLhCt0D5IU1qLTtYw*g0ilNDlQ3TsdFUqJCqAm9iL7Wa60H7eYcHL_5oP136TOJREkS3BzheDC1dlxz5oJ**05b8943049af490e913bbc3a2485bee2aaf7b823f4c41d0ff0b7c168371a3772*R8yscVdTBRMdsoVbdDiFmUL8zb-c3PQLGJn4Y8C-AqI";
/** The same value sealed with aes-128-ctr. */
export const VECTOR_CTR =
  "Fe26.2**63c87cc87254b834dbb13cc62abc8713d1da035a9b38f54e5d5795135e217167*TpIsHHn-7txnl14Or7-D6A*HFGMGpcTRPUBSTQobuo27KOZ76MhVWgOsjA5SkFoy3vyqaHuixbd**3c8c403569a744a39c58adfb81e654f6860cb01f145488313e1895276e719f52*d5J1jY3WxP61klQza6q7zTqiYpjWPwocqHmjtDcSeq0";
/** A seal whose MAC is wrong (from iron's own suite). */
export const VECTOR_BAD_MAC =
  "Fe26.2**b3ad22402ccc60fa4d527f7d1c9ff2e37e9b2e5723e9e2ffba39a489e9849609*QKCeXLs6Rp7f4LL56V7hBg*OvZEoAq_nGOpA1zae-fAtl7VNCNdhZhCqo-hWFCBeWuTTpSupJ7LxQqzSQBRAcgw**72018a21d3fac5c1608a0f9e461de0fcf17b2befe97855978c17a793faa01db1*Qj53DFE3GZd5yigt-mVl9lnp0VUoSjh5a5jgDmod1EZ";

const PASSWORD = "a-password-that-is-long-enough-for-iron-32+";
const OTHER = "another-password-that-is-long-enough-for-iron";

export interface ConformanceCase {
  readonly name: string;
  run(options: SealCallOptions): Promise<void>;
}

export const cases: ConformanceCase[] = [
  {
    name: "unseals the public iron vector (aes-256-cbc, 1 iteration)",
    async run(o) {
      assertEqual(await unseal(VECTOR_CBC, VECTOR_PASSWORD, { ...o, iterations: 1 }), VECTOR_VALUE);
    },
  },
  {
    name: "unseals the aes-128-ctr vector",
    async run(o) {
      const opts = { ...o, iterations: 1, encryption: { algorithm: "aes-128-ctr" as const } };
      assertEqual(await unseal(VECTOR_CTR, VECTOR_PASSWORD, opts), VECTOR_VALUE);
    },
  },
  {
    name: "reads the 1-iteration vector under default options through the legacy fallback",
    async run(o) {
      assertEqual(await unseal(VECTOR_CBC, VECTOR_PASSWORD, o), VECTOR_VALUE);
      await assertCode(unseal(VECTOR_CBC, VECTOR_PASSWORD, { ...o, legacyFallback: false }), "ERR_SEAL_MAC");
    },
  },
  {
    name: "rejects iron's bad-mac vector with ERR_SEAL_MAC",
    async run(o) {
      await assertCode(unseal(VECTOR_BAD_MAC, VECTOR_PASSWORD, { ...o, iterations: 1 }), "ERR_SEAL_MAC");
    },
  },
  {
    name: "round-trips with default options and both algorithms",
    async run(o) {
      const value = { user: "ada", roles: ["admin"], n: 1.5, nested: { ok: true, none: null } };
      for (const algorithm of ["aes-256-cbc", "aes-128-ctr"] as const) {
        const opts = { ...o, encryption: { algorithm } };
        const token = await seal(value, PASSWORD, opts);
        assert(token.startsWith("Fe26.2**"), "prefix");
        assertEqual(token.split("*").length, 8);
        assertEqual(await unseal(token, PASSWORD, opts), value);
      }
    },
  },
  {
    name: "uses a fresh IV for every seal while reusing the salt within the window",
    async run(o) {
      const a = (await seal({ v: 1 }, PASSWORD, o)).split("*");
      const b = (await seal({ v: 1 }, PASSWORD, o)).split("*");
      assert(a[3] !== b[3], "IVs differ");
      assertEqual(a[2], b[2]);
      const c = (await seal({ v: 1 }, PASSWORD, { ...o, saltReuseMs: 0 })).split("*");
      assert(c[2] !== a[2], "no reuse when the window is 0");
    },
  },
  {
    name: "writes and enforces ttl with 60 s of skew",
    async run(o) {
      const token = await seal({ v: 1 }, PASSWORD, { ...o, ttl: 1000 });
      const expiration = Number(token.split("*")[5]);
      assert(Math.abs(expiration - (Date.now() + 1000)) < 5000, "expiration is now + ttl");
      assertEqual(await unseal(token, PASSWORD, { ...o, localtimeOffsetMsec: 1000 + 59_000 }), { v: 1 });
      await assertCode(unseal(token, PASSWORD, { ...o, localtimeOffsetMsec: 1000 + 61_000 }), "ERR_SEAL_EXPIRED");
    },
  },
  {
    name: "honours saltBits, minPasswordlength and timestampSkewSec; refuses bad option values",
    async run(o) {
      const parts = (await seal({ v: 1 }, PASSWORD, { ...o, saltBits: 64 })).split("*");
      assert(parts[2]?.length === 16 && parts[6]?.length === 16, "64 salt bits are 16 hex characters");
      await assertCode(seal({ v: 1 }, PASSWORD, { ...o, minPasswordlength: 64 }), "ERR_CONFIG");
      const token = await seal({ v: 1 }, PASSWORD, { ...o, ttl: 1000 });
      await assertCode(
        unseal(token, PASSWORD, { ...o, timestampSkewSec: 0, localtimeOffsetMsec: 3000 }),
        "ERR_SEAL_EXPIRED",
      );
      assertEqual(await unseal(token, PASSWORD, { ...o, timestampSkewSec: 120, localtimeOffsetMsec: 100_000 }), {
        v: 1,
      });
      const bad: SealCallOptions[] = [
        { iterations: 0 },
        { saltBits: 0 },
        { ttl: -1 },
        { ttl: Number.NaN },
        { ttl: 1e16 },
        { encryption: { algorithm: "des" as "aes-256-cbc" } },
      ];
      for (const options of bad) await assertCode(seal({ v: 1 }, PASSWORD, { ...o, ...options }), "ERR_CONFIG");
    },
  },
  {
    name: "error messages carry neither the token nor the password",
    async run(o) {
      const token = await seal({ v: 1 }, PASSWORD, o);
      const parts = token.split("*");
      // Thunks: a rejected promise left waiting would be an unhandled rejection on Node.
      const attempts = [
        () => unseal(`${token}x`, PASSWORD, o),
        () => unseal(token, OTHER, o),
        () => unseal(token.replace("*", "*k9"), PASSWORD, o),
        () => unseal(withPart(parts, 7, flipFirst(parts[7] ?? "")), PASSWORD, o),
        () => seal({ v: 1 }, PASSWORD.slice(0, 20), o),
      ];
      for (const attempt of attempts) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert(error instanceof SessionError, "fails with a SessionError");
        for (const secret of [token, PASSWORD, PASSWORD.slice(0, 20), OTHER, ...parts.filter((p) => p.length > 8)]) {
          assert(!error.message.includes(secret), `message ${JSON.stringify(error.message)} leaks a secret`);
        }
      }
    },
  },
  {
    name: "rotates passwords: the first seals, all unseal, ids are written",
    async run(o) {
      const old = await seal({ v: "old" }, { id: "k1", secret: OTHER }, o);
      assertEqual(old.split("*")[1], "k1");
      const list = [
        { id: "k2", secret: PASSWORD },
        { id: "k1", secret: OTHER },
      ];
      assertEqual(await unseal(old, list, o), { v: "old" });
      const fresh = await seal({ v: "new" }, list, o);
      assertEqual(fresh.split("*")[1], "k2");
      await assertCode(unseal(fresh, [{ id: "k1", secret: OTHER }], o), "ERR_SEAL_PASSWORD_ID");
    },
  },
  {
    name: "reads an id-less seal with a plain string entry of a rotation list",
    async run(o) {
      const token = await seal({ v: 1 }, OTHER, o);
      assertEqual(await unseal(token, [{ id: "k2", secret: PASSWORD }, OTHER], o), { v: 1 });
    },
  },
  {
    name: "looks ids up without reading inherited properties",
    async run(o) {
      for (const id of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
        const token = (await seal({ v: 1 }, { id: "k1", secret: PASSWORD }, o)).replace("*k1*", `*${id}*`);
        await assertCode(unseal(token, { k1: PASSWORD }, o), "ERR_SEAL_PASSWORD_ID");
      }
    },
  },
  {
    name: "accepts iron's { id: password } table with default for id-less seals",
    async run(o) {
      const token = await seal({ v: 1 }, PASSWORD, o);
      assertEqual(await unseal(token, { default: PASSWORD, other: OTHER }, o), { v: 1 });
    },
  },
  {
    name: "supports Uint8Array keys with an empty salt",
    async run(o) {
      const key = new Uint8Array(32).map((_, i) => i * 7);
      const token = await seal({ v: 1 }, key, o);
      assertEqual(token.split("*")[2], "");
      assertEqual(await unseal(token, key, o), { v: 1 });
    },
  },
  {
    name: "refuses short passwords and bad ids with ERR_CONFIG, echoing no secret",
    async run(o) {
      const short = "too-short-secret";
      const error = await assertCode(seal({}, short, o), "ERR_CONFIG");
      assert(!error.message.includes(short), "message must not contain the password");
      await assertCode(seal({}, { id: "bad id!", secret: PASSWORD }, o), "ERR_CONFIG");
      await assertCode(seal({}, [], o), "ERR_CONFIG");
    },
  },
  {
    name: "refuses values that do not survive JSON with ERR_SEAL_VALUE",
    async run(o) {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      for (const value of [cycle, { n: 1n }, { n: Number.NaN }, { n: Infinity }, { f: () => 1 }, undefined]) {
        await assertCode(seal(value, PASSWORD, o), "ERR_SEAL_VALUE");
      }
    },
  },
  {
    name: "drops __proto__ and constructor keys from unsealed payloads",
    async run(o) {
      const token = await seal(JSON.parse('{"__proto__":{"polluted":1},"constructor":{"x":1},"ok":1}'), PASSWORD, o);
      const value = (await unseal(token, PASSWORD, o)) as Record<string, unknown>;
      assertEqual(Object.keys(value), ["ok"]);
      assertEqual(({} as Record<string, unknown>).polluted, undefined);
      assertEqual(Object.getPrototypeOf(value), Object.prototype);
    },
  },
  {
    name: "rejects malformed tokens with ERR_SEAL_FORMAT before any key work",
    async run(o) {
      const token = await seal({ v: 1 }, PASSWORD, o);
      const parts = token.split("*");
      const variants = [
        "",
        "garbage",
        `x*${token}`,
        token.replace("Fe26.2", "Fe27.2"),
        withPart(parts, 3, `${parts[3]}??`),
        withPart(parts, 4, `${parts[4]}??`),
        withPart(parts, 5, "a"),
        withPart(parts, 7, (parts[7] ?? "").slice(1)),
        "x".repeat(2 * 1024 * 1024),
      ];
      for (const variant of variants) await assertCode(unseal(variant, PASSWORD, o), "ERR_SEAL_FORMAT");
    },
  },
  {
    name: "rejects every one-character change, truncation and append with the code of the field hit",
    async run(options) {
      // Each tampered salt is a new untagged salt: an unlimited budget keeps the codes exact (budget.test.ts checks the budget).
      const o = { ...options, derivationBudget: { maxInFlight: Infinity, maxPerSecond: Infinity } };
      const password = [{ id: "key1", secret: PASSWORD }];
      const token = await seal({ user: "ada", n: 1 }, password, { ...o, ttl: 3_600_000 });
      for (let i = 0; i < token.length; i++) {
        const original = token[i] ?? "";
        // One change inside the field's alphabet (reaches the MAC) and one outside it.
        for (const replacement of [sameAlphabet(original), "*"]) {
          if (replacement === original) continue;
          const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
          const code = await codeOf(unseal(tampered, password, o));
          const allowed = tamperCodes(token, i, replacement);
          assert(allowed.includes(code), `char ${i} (${fieldNames[fieldIndex(token, i)]}) -> ${replacement}: ${code}`);
        }
      }
      for (let length = 0; length < token.length; length++) {
        const code = await codeOf(unseal(token.slice(0, length), password, o));
        assert(code.startsWith("ERR_SEAL_"), `truncated to ${length}: ${code}`);
      }
      for (const extra of ["a", "*", "0", "-"]) {
        const code = await codeOf(unseal(token + extra, password, o));
        assert(code === "ERR_SEAL_FORMAT" || code === "ERR_SEAL_MAC", `appended ${extra}: ${code}`);
      }
    },
  },
];

const fieldNames = ["prefix", "id", "encSalt", "iv", "ciphertext", "expiration", "macSalt", "mac"] as const;

function fieldIndex(token: string, index: number): number {
  return token.slice(0, index).split("*").length - 1;
}

/** A different character of the same alphabet (hex, base64url, digit or word). */
function sameAlphabet(c: string): string {
  if (/[0-9]/.test(c)) return c === "7" ? "3" : "7";
  if (/[a-f]/.test(c)) return c === "b" ? "e" : "b";
  if (/[A-Za-z_-]/.test(c)) return c === "Q" ? "x" : "Q";
  return "a";
}

/** The codes a one-character change at `index` may produce. */
function tamperCodes(token: string, index: number, replacement: string): string[] {
  if (token[index] === "*" || replacement === "*") return ["ERR_SEAL_FORMAT"];
  switch (fieldNames[fieldIndex(token, index)]) {
    case "prefix":
      return ["ERR_SEAL_FORMAT"];
    case "id":
      return ["ERR_SEAL_PASSWORD_ID"];
    case "expiration":
      return ["ERR_SEAL_MAC", "ERR_SEAL_EXPIRED"];
    default:
      // Salts, IV, ciphertext and MAC: an in-alphabet change reaches the MAC check.
      return ["ERR_SEAL_MAC"];
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    return error instanceof SessionError ? error.code : String(error);
  }
}

/** The text with its first character replaced by a different base64url one. */
function flipFirst(text: string): string {
  return (text.startsWith("A") ? "B" : "A") + text.slice(1);
}

function withPart(parts: string[], index: number, value: string): string {
  const copy = [...parts];
  copy[index] = value;
  return copy.join("*");
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export function assertEqual(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

export async function assertCode(promise: Promise<unknown>, code: string): Promise<SessionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SessionError && error.code === code) return error;
    throw new Error(`expected ${code}, got ${error instanceof SessionError ? error.code : String(error)}`);
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}
