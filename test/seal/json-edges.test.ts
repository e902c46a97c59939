import { describe, expect, it } from "vitest";
import { seal, unseal } from "../../src/seal/index.ts";
import { isDangerousKey } from "../../src/seal/json.ts";
import { handMade } from "./hand-made.ts";

// What a payload may hold, at the edges: keys that reach a prototype (however
// they are spelled in the JSON text), and nesting counted as the parser sees it.

const PW = "json-edges-password-that-is-long-enough-for-iron";
const FAST = { iterations: 1 } as const;
const open = (plaintext: string) => unseal(handMade(PW, plaintext), PW, FAST);

describe("keys that reach a prototype", () => {
  it("are dropped however the JSON text spells them", async () => {
    const texts = [
      '{"__proto__":{"x":1},"a":1}',
      '{"\\u005f\\u005fproto\\u005f\\u005f":{"x":1},"a":1}',
      '{"constructor":{"x":1},"a":1}',
      '{"\\u0063onstructor":{"x":1},"a":1}',
      '{"b":{"constructor":1},"a":1}',
    ];
    const expected = [{ a: 1 }, { a: 1 }, { a: 1 }, { a: 1 }, { b: {}, a: 1 }];
    for (const [i, text] of texts.entries()) {
      const value = await open(text);
      expect(value).toEqual(expected[i]);
      expect(Object.hasOwn(value as object, "__proto__")).toBe(false);
      expect(Object.hasOwn(value as object, "constructor")).toBe(false);
    }
  });

  it("keys and values that only contain those words are kept", async () => {
    const value = { protocol: "https", prototype: 1, constructors: ["a"], note: "__proto__ constructor \\u" };
    expect(await open(JSON.stringify(value))).toEqual(value);
    expect(await unseal(await seal(value, PW, FAST), PW, FAST)).toEqual(value);
  });

  it("isDangerousKey names the three keys that reach a prototype, and nothing else", () => {
    for (const key of ["__proto__", "constructor", "prototype"]) expect(isDangerousKey(key)).toBe(true);
    for (const key of ["", "proto", "__proto", "Constructor", "prototypes", "toString", "a"]) {
      expect(isDangerousKey(key)).toBe(false);
    }
  });
});

describe("nesting as the parser sees it", () => {
  const deep = (n: number) => `${"[".repeat(n)}1${"]".repeat(n)}`;

  it("wide is not deep: many brackets side by side open", async () => {
    const value = { list: Array.from({ length: 300 }, () => []), more: Array.from({ length: 300 }, () => ({})) };
    expect(await open(JSON.stringify(value))).toEqual(value);
  });

  it("128 levels open, 129 do not, whatever brackets strings hold", async () => {
    expect(await open(deep(128))).toEqual(JSON.parse(deep(128)));
    await expect(open(deep(129))).rejects.toMatchObject({ code: "ERR_SEAL_PAYLOAD" });
    // Brackets inside strings, after escaped quotes and backslashes, are text.
    const strings = { a: `\\"${"[".repeat(200)}`, b: `\\${"{".repeat(200)}`, c: `"${"[".repeat(200)}` };
    expect(await open(JSON.stringify({ ...strings, list: JSON.parse(deep(127)) }))).toEqual({
      ...strings,
      list: JSON.parse(deep(127)),
    });
    // And a string does not hide the real nesting that follows it.
    await expect(open(`[${JSON.stringify(strings)},${deep(128)}]`)).rejects.toMatchObject({
      code: "ERR_SEAL_PAYLOAD",
    });
  });

  it("closing brackets bring the depth back down", async () => {
    const text = `[${Array.from({ length: 4 }, () => deep(100)).join(",")}]`;
    expect(await open(text)).toEqual(JSON.parse(text));
  });
});

describe("values are checked as JSON.stringify sees them", () => {
  const roundTrip = async (value: unknown) => unseal(await seal(value, PW, FAST), PW, FAST);

  it('toJSON gets the key it is stored under, "" at the root', async () => {
    const byKey = { toJSON: (key: string) => (key === "" ? "root" : Number.NaN) };
    expect(await roundTrip(byKey)).toBe("root");
    const nested = { toJSON: (key: string) => (key === "inner" ? `under ${key}` : 1n) };
    expect(await roundTrip({ inner: nested })).toEqual({ inner: "under inner" });
    expect(await roundTrip([{ toJSON: (key: string) => `at ${key}` }])).toEqual(["at 0"]);
  });

  it("an object with a toJSON method is its toJSON result, at the root or nested", async () => {
    const point = { x: 1, y: 2, toJSON: () => ({ x: 1, y: 2 }) };
    expect(await roundTrip(point)).toEqual({ x: 1, y: 2 });
    expect(await roundTrip({ at: point, when: new Date(0) })).toEqual({
      at: { x: 1, y: 2 },
      when: new Date(0).toJSON(),
    });
  });

  it("an array's non-index properties are not part of it", async () => {
    const list = Object.assign([1, 2], { extra: () => 1, bad: Number.NaN });
    expect(await roundTrip({ list })).toEqual({ list: [1, 2] });
  });
});
