import { parse } from "cookie-es";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCookieHeader } from "../../src/cookie/parse.ts";

// The session layer parses Cookie headers itself (a Worker bundle then carries
// no cookie library); it must read every header exactly as h3's cookie-es does.
const unit = fc.constantFrom(...'ab h3.1=;=;%2%41%zz\t\u00e9\u0000\n"\\', "__proto__", "constructor", "h3", "h3.1");
const header = fc.oneof(
  fc.string({ unit, maxLength: 60 }),
  fc
    .array(fc.tuple(fc.string({ unit, maxLength: 8 }), fc.string({ unit, maxLength: 12 })), { maxLength: 8 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("; ")),
);

function plain(cookies: Record<string, unknown> | ReadonlyMap<string, unknown>): [string, unknown][] {
  const entries = cookies instanceof Map ? [...cookies] : Object.entries(cookies);
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe("parseCookieHeader", () => {
  it("reads every header as cookie-es parse does", () => {
    fc.assert(
      fc.property(header, (text) => {
        // cookie-es returns nothing for a header shorter than 2 characters; `=` alone is the only one with a pair.
        if (text === "=") return;
        expect(plain(parseCookieHeader(text))).toEqual(plain(parse(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it("holds prototype-named cookies as data", () => {
    const cookies = parseCookieHeader("constructor=a; __proto__=b; toString=c");
    expect([...cookies]).toEqual([
      ["constructor", "a"],
      ["__proto__", "b"],
      ["toString", "c"],
    ]);
    expect(parseCookieHeader("").get("constructor")).toBeUndefined();
  });
});
