import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LruCache } from "../../src/seal/lru.ts";

// The caches behind key derivation and verified tokens: bounded whatever the
// traffic, and never forgetting an entry that is in steady use.
describe("LruCache", () => {
  it("never holds more than max entries, and a set is readable at once", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }),
        (max, ops) => {
          const cache = new LruCache<number, number>(max);
          for (const [isSet, key] of ops) {
            if (isSet) {
              cache.set(key, key * 2);
              expect(cache.get(key)).toBe(key * 2);
            } else {
              const value = cache.get(key);
              if (value !== undefined) expect(value).toBe(key * 2);
            }
            expect(cache.size).toBeLessThanOrEqual(max);
          }
        },
      ),
    );
  });

  it("keeps an entry read at least once per max/2 insertions", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 500 }), (max, inserts) => {
        const cache = new LruCache<string, number>(max);
        cache.set("hot", 1);
        for (let i = 0; i < inserts; i++) {
          cache.set(`cold-${i}`, i);
          if ((i + 1) % Math.floor(max / 2) === 0) expect(cache.get("hot")).toBe(1);
        }
      }),
    );
  });
});

describe("LruCache generations", () => {
  it("counts both generations, and a set of a key the young generation holds does not age the cache", () => {
    const cache = new LruCache<string, number>(4);
    cache.set("a", 1);
    cache.set("b", 2);
    // Young is full (2 of 2) but already holds "a": updated in place, nothing moves.
    cache.set("a", 10);
    expect(cache.size).toBe(2);
    // A new key moves the young generation to the old one.
    cache.set("c", 3);
    expect(cache.size).toBe(3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([10, 2, 3]);
  });

  it("a cache of one holds the last entry set", () => {
    const cache = new LruCache<string, number>(1);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.size).toBe(1);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBe(2);
  });
});
