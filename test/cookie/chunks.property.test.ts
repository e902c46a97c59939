import { parse } from "cookie-es";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHUNK_MARKER, chunkCount, readChunked, splitValue } from "../../src/cookie/chunks.ts";
import { getSession } from "../../src/index.ts";

const password = "Pr0p!tY7-kW3xM9vB2nQ5cL8zH1sD4gJ6a";
const cookieChar = fc.constantFrom(...'abcXYZ019=;,. _-*%"\\\t\u00e9\u0000');
const cookieHeader = fc.oneof(
  fc.string({ unit: cookieChar, maxLength: 300 }),
  fc
    .array(
      fc.tuple(
        fc.constantFrom("h3", "h3.1", "h3.2", "h3.100", "h3.0", "h3.-1", "other", "__proto__", "constructor"),
        fc.oneof(
          fc.constantFrom(`${CHUNK_MARKER}2`, `${CHUNK_MARKER}999999999`, `${CHUNK_MARKER}-3`, `${CHUNK_MARKER}`, ""),
          fc.string({ unit: cookieChar, maxLength: 40 }),
        ),
      ),
      { maxLength: 12 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("; ")),
  // A chunked value as h3 v2 writes it, sometimes with a chunk emptied or missing.
  fc
    .tuple(
      fc.array(fc.string({ unit: fc.constantFrom(..."abcXYZ019-_*."), maxLength: 12 }), { minLength: 1, maxLength: 6 }),
      fc.option(fc.nat({ max: 5 })),
    )
    .map(([chunks, dropped]) =>
      [`h3=${CHUNK_MARKER}${chunks.length}`, ...chunks.map((c, i) => (i === dropped ? "" : `h3.${i + 1}=${c}`))]
        .filter(Boolean)
        .join("; "),
    ),
);

/** Counts the lookups reassembly makes, so its cost is bounded without timing anything. */
function counting(cookies: Record<string, string | undefined>) {
  let lookups = 0;
  const map = new Map(Object.entries(cookies).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const get = map.get.bind(map);
  map.get = (key: string) => {
    lookups++;
    return get(key);
  };
  return { proxy: map as ReadonlyMap<string, string>, lookups: () => lookups };
}

/**
 * What h3 v2 reads from a cookie jar, stated from its format: a plain value as
 * it is; `__chunked__N` (N from 1 to 100) as chunks `.1` … `.N` joined, all
 * present and non-empty; anything else (an empty value, a bad marker, a
 * missing chunk) as no value.
 */
function h3Reads(cookies: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const main = cookies[name];
  if (!main) return undefined;
  if (!main.startsWith(CHUNK_MARKER)) return main;
  const count = /^__chunked__(\d{1,3})$/.exec(main)?.[1];
  if (count === undefined || Number(count) < 1 || Number(count) > 100) return undefined;
  const chunks = Array.from({ length: Number(count) }, (_, i) => cookies[`${name}.${i + 1}`]);
  return chunks.every((chunk) => chunk) ? chunks.join("") : undefined;
}

describe("cookie parsing and chunk reassembly", () => {
  it("never throw, reassemble what h3 v2 would read, and make at most 101 lookups whatever the header", () => {
    const seen = { plain: 0, joined: 0, none: 0 };
    fc.assert(
      fc.property(cookieHeader, (header) => {
        const cookies = parse(header) as Record<string, string | undefined>;
        const { proxy, lookups } = counting(cookies);
        const value = readChunked(proxy, "h3");
        const expected = h3Reads(cookies, "h3");
        expect(value).toBe(expected);
        expect(lookups()).toBeLessThanOrEqual(101);
        if (expected === undefined) seen.none++;
        else if (expected === cookies.h3) seen.plain++;
        else seen.joined++;
      }),
      { numRuns: 2000 },
    );
    // The generator reaches every outcome, so the comparison above is not vacuous.
    expect(seen.plain).toBeGreaterThan(0);
    expect(seen.joined).toBeGreaterThan(0);
    expect(seen.none).toBeGreaterThan(0);
  });

  it("getSession never throws on any Cookie header and yields a session", async () => {
    await fc.assert(
      fc.asyncProperty(cookieHeader, async (header) => {
        const event = {
          req: new Request("http://localhost/", { headers: { cookie: header.replace(/[\0\t"\\]/g, "") } }),
        };
        const session = await getSession(event, { password });
        expect(typeof session.id).toBe("string");
      }),
      { numRuns: 300 },
    );
  });

  it("reassembles any split value exactly", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."AZaz09-_*."), minLength: 1, maxLength: 5000 }),
        fc.integer({ min: 1, max: 4000 }),
        (value, size) => {
          const chunks = splitValue(value, size);
          fc.pre(chunks.length <= 100);
          const cookies: Record<string, string> = { h3: `${CHUNK_MARKER}${chunks.length}` };
          chunks.forEach((chunk, i) => {
            cookies[`h3.${i + 1}`] = chunk;
          });
          expect(readChunked(new Map(Object.entries(cookies)), "h3")).toBe(value);
        },
      ),
    );
  });

  it("accepts only chunk counts from 1 to 100", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (suffix) => {
        const count = chunkCount(`${CHUNK_MARKER}${suffix}`);
        if (count !== undefined) {
          expect(Number.isInteger(count) && count >= 1 && count <= 100).toBe(true);
          expect(suffix).toMatch(/^\d{1,3}$/);
        }
      }),
    );
  });
});
