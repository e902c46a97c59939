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
