/**
 * Differential testing against @hapi/iron, the reference implementation of
 * Fe26.2: the same tokens go to both, and they must agree (accept with the same
 * value, or both refuse), except in the documented classes where this library
 * is stricter, each refused with its own SessionError code:
 *
 * | class                                               | this library       | @hapi/iron         |
 * | --------------------------------------------------- | ------------------ | ------------------ |
 * | salt not lowercase hex, or over 1,024 characters     | `ERR_SEAL_FORMAT`  | any text salts     |
 * | expiration over 16 digits                           | `ERR_SEAL_FORMAT`  | any digits         |
 * | password id outside `^\w*$`                          | `ERR_SEAL_FORMAT`  | not checked        |
 * | iv not 16 bytes, ciphertext not whole AES blocks    | `ERR_SEAL_FORMAT`  | fails later        |
 * | plaintext not valid UTF-8                           | `ERR_SEAL_PAYLOAD` | U+FFFD substituted |
 * | JSON nested deeper than 128 levels                  | `ERR_SEAL_PAYLOAD` | accepted           |
 * | `__proto__` keys                                    | dropped, opened    | refused (Bourne)   |
 * | `constructor` keys                                  | dropped, opened    | kept               |
 *
 * `npm test` runs a quick version; `npm run test:differential` sets
 * DIFFERENTIAL_RUNS for a long one (the runs of each property).
 * Both sides use 1 PBKDF2 iteration: the format is the same at any count, and
 * @hapi/iron derives keys on every call.
 */
import { createCipheriv, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import Iron from "@hapi/iron";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isSessionError, seal, unseal } from "../../src/seal/index.ts";

const RUNS = Number(process.env.DIFFERENTIAL_RUNS) || 150;
/** Per test: a long run takes minutes on a small machine. */
const TIMEOUT = Math.max(20_000, RUNS * 100);
const PW = "Df9!kR2-tQ7xZ4mV0bL8cH3yS6dF1gJ5pA";
const IRON = {
  ...Iron.defaults,
  encryption: { ...Iron.defaults.encryption, iterations: 1 },
  integrity: { ...Iron.defaults.integrity, iterations: 1 },
};
const OURS = { iterations: 1, legacyFallback: false } as const;

type Outcome = { ok: true; value: unknown } | { ok: false; code?: string };

async function ours(token: string, localtimeOffsetMsec = 0): Promise<Outcome> {
  try {
    return { ok: true, value: await unseal(token, PW, { ...OURS, localtimeOffsetMsec }) };
  } catch (error) {
    // Every refusal is a SessionError: a TypeError or RangeError here is a bug.
    if (!isSessionError(error)) throw error;
    return { ok: false, code: error.code };
  }
}

async function theirs(token: string, localtimeOffsetMsec = 0): Promise<Outcome> {
  try {
    return { ok: true, value: await Iron.unseal(token, PW, { ...IRON, localtimeOffsetMsec }) };
  } catch {
    return { ok: false };
  }
}

/** What a holder of the password can put in each field; the MAC is always valid. */
interface Forged {
  id: string;
  encSalt: string;
  macSalt: string;
  iv: Uint8Array;
  plaintext: Uint8Array;
  expiration: string;
}

function forge(f: Forged): string {
  let cipherText: string;
  if (f.iv.length === 16 && f.encSalt !== "") {
    const cipher = createCipheriv("aes-256-cbc", pbkdf2Sync(PW, f.encSalt, 1, 32, "sha1"), f.iv);
    cipherText = Buffer.concat([cipher.update(f.plaintext), cipher.final()]).toString("base64url");
  } else cipherText = Buffer.from(f.plaintext).toString("base64url") || "AAAA";
  const base = `Fe26.2*${f.id}*${f.encSalt}*${Buffer.from(f.iv).toString("base64url")}*${cipherText}*${f.expiration}`;
  const mac = createHmac("sha256", pbkdf2Sync(PW, f.macSalt, 1, 32, "sha1"))
    .update(base)
    .digest("base64url");
  return `${base}*${f.macSalt}*${mac}`;
}

/** The documented classes a forged token falls in; this library may refuse it only with one of their codes. */
function stricterCodes(f: Forged, text: string | undefined): string[] {
  const codes = new Set<string>();
  const badSalt = (s: string) => !/^[0-9a-f]*$/.test(s) || s.length > 1024;
  if (badSalt(f.encSalt) || badSalt(f.macSalt)) codes.add("ERR_SEAL_FORMAT");
  if (f.expiration.length > 16) codes.add("ERR_SEAL_FORMAT");
  if (!/^\w*$/.test(f.id)) codes.add("ERR_SEAL_FORMAT");
  if (f.iv.length !== 16) codes.add("ERR_SEAL_FORMAT");
  if (text === undefined || depth(text) > 128) codes.add("ERR_SEAL_PAYLOAD");
  return [...codes];
}

function depth(text: string): number {
  let d = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") max = Math.max(max, ++d);
    else if (c === "]" || c === "}") d--;
  }
  return max;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const strictUtf8 = (bytes: Uint8Array) => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
};
const nested = (n: number) => `${"[".repeat(n)}1${"]".repeat(n)}`;

const hexSalt = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 1, maxLength: 80 });
const salt = fc.oneof(
  { weight: 6, arbitrary: hexSalt },
  fc.constantFrom("ABCDEF12", "xyz", "a b", "0".repeat(1025), "é1"),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes("*")),
);
const jsonText = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  fc.constantFrom('{"__proto__":{"x":1},"a":2}', '{"constructor":1,"b":[1]}', "not json{", "", " 1 ", "nul"),
  fc.integer({ min: 120, max: 140 }).map(nested),
);
const plaintext = fc.oneof(
  { weight: 6, arbitrary: jsonText.map(utf8) },
  // Invalid UTF-8 inside a JSON string: @hapi/iron substitutes U+FFFD and opens it.
  fc.constantFrom(
    new Uint8Array([0x22, 0xff, 0x22]),
    new Uint8Array([0x22, 0xc3, 0x28, 0x22]),
    new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]),
  ),
);
const expiration = fc.oneof(
  fc.constant(""),
  fc.integer({ min: -90_000, max: 90_000 }).map((d) => String(Date.now() + d)),
  fc.constantFrom("9".repeat(16), "9".repeat(17), `0${Date.now() + 3_600_000}`, "1", "00"),
);
const forged = fc.record({
  id: fc.oneof(fc.constantFrom("", "k1", "default"), fc.constantFrom("k-1", "é", " ")),
  encSalt: salt,
  macSalt: salt,
  iv: fc
    .oneof({ weight: 6, arbitrary: fc.constant(16) }, fc.constantFrom(0, 8, 15, 17, 32))
    .map((n) => new Uint8Array(randomBytes(n))),
  plaintext,
  expiration,
});

afterEach(() => {
  vi.useRealTimers();
});

describe("differential testing against @hapi/iron", () => {
  it(
    "round trips agree both ways",
    async () => {
      const value = fc.jsonValue({ maxDepth: 4 }).filter((v) => !JSON.stringify(v).match(/"(__proto__|constructor)":/));
      await fc.assert(
        fc.asyncProperty(value, fc.constantFrom(0, 60_000), async (v, ttl) => {
          const expected = JSON.parse(JSON.stringify(v)) as unknown;
          const mine = await seal(v, PW, { ...OURS, ttl });
          expect(await Iron.unseal(mine, PW, IRON)).toEqual(expected);
          const reference = await Iron.seal(v, PW, { ...IRON, ttl });
          expect(await unseal(reference, PW, OURS)).toEqual(expected);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    "tokens forged with the password agree, or fall in a documented stricter class",
    async () => {
      const classes = new Set<string>();
      vi.useFakeTimers({ toFake: ["Date"] });
      await fc.assert(
        fc.asyncProperty(forged, async (f) => {
          const token = forge(f);
          const [a, b] = [await ours(token), await theirs(token)];
          if (a.ok && b.ok) {
            // The one documented difference between two opened values: `constructor` keys are dropped here.
            expect(a.value).toEqual(
              JSON.parse(JSON.stringify(b.value), (k, v) => (k === "constructor" ? undefined : v)),
            );
            classes.add("both open");
          } else if (!a.ok && !b.ok) classes.add("both refuse");
          else if (!a.ok) {
            // Stricter here: the token must fall in a documented class with this code.
            expect(stricterCodes(f, strictUtf8(f.plaintext))).toContain(a.code);
            classes.add(`stricter: ${a.code}`);
          } else {
            // Opened here, refused there: only a payload with a __proto__ key (dropped here, refused by Bourne).
            expect(new TextDecoder().decode(f.plaintext)).toContain('"__proto__"');
            expect(JSON.stringify(a.value)).not.toContain("__proto__");
            classes.add("opened here, __proto__ dropped");
          }
        }),
        { numRuns: RUNS * 4 },
      );
      // The generator reaches agreement and each side of the strictness list, so the checks above are not vacuous.
      for (const seen of ["both open", "both refuse", "stricter: ERR_SEAL_FORMAT", "stricter: ERR_SEAL_PAYLOAD"]) {
        expect(classes).toContain(seen);
      }
    },
    TIMEOUT,
  );

  it(
    "every one-character flip, insert or delete and every field swap of a genuine token: both refuse",
    async () => {
      const tokens = [
        await seal({ user: "ada", n: 1 }, [{ id: "k1", secret: PW }], { ...OURS, ttl: 3_600_000 }),
        await Iron.seal({ user: "ada", n: 1 }, PW, { ...IRON, ttl: 3_600_000 }),
      ];
      const edit = fc.oneof(
        fc.tuple(fc.constant("flip" as const), fc.nat(), fc.string({ minLength: 1, maxLength: 1 })),
        fc.tuple(fc.constant("insert" as const), fc.nat(), fc.string({ minLength: 1, maxLength: 1 })),
        fc.tuple(fc.constant("delete" as const), fc.nat(), fc.constant("")),
        fc.tuple(fc.constant("swap" as const), fc.nat({ max: 7 }), fc.nat({ max: 7 }).map(String)),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...tokens), edit, async (token, [kind, at, with_]) => {
          const i = at % token.length;
          let changed: string;
          if (kind === "flip") changed = token.slice(0, i) + with_ + token.slice(i + 1);
          else if (kind === "insert") changed = token.slice(0, i) + with_ + token.slice(i);
          else if (kind === "delete") changed = token.slice(0, i) + token.slice(i + 1);
          else {
            const parts = token.split("*");
            const j = Number(with_);
            [parts[at], parts[j]] = [parts[j] as string, parts[at] as string];
            changed = parts.join("*");
          }
          fc.pre(changed !== token);
          const [a, b] = [await ours(changed), await theirs(changed)];
          expect(a.ok).toBe(false);
          expect(b.ok).toBe(false);
        }),
        { numRuns: RUNS * 4 },
      );
    },
    TIMEOUT,
  );

  it(
    "expiry edges: both accept until ttl + 60 s of skew and both refuse a millisecond later",
    async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 10 ** 9 }), fc.boolean(), async (ttl, ironSeals) => {
          const token = ironSeals
            ? await Iron.seal({ v: 1 }, PW, { ...IRON, ttl })
            : await seal({ v: 1 }, PW, { ...OURS, ttl });
          const exp = Number(token.split("*")[5]);
          const lastGood = exp + 60_000 - 1 - Date.now();
          expect(await ours(token, lastGood)).toEqual(await theirs(token, lastGood));
          expect((await ours(token, lastGood)).ok).toBe(true);
          expect(await ours(token, lastGood + 1)).toMatchObject({ ok: false, code: "ERR_SEAL_EXPIRED" });
          expect((await theirs(token, lastGood + 1)).ok).toBe(false);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});
