import { afterEach, describe, expect, it, vi } from "vitest";
import { type DerivationBudget, defaultBudget, holdBudget, limiterFor } from "../../src/seal/budget.ts";
import { DEFAULT_SEAL_OPTIONS } from "../../src/seal/index.ts";

// The derivation budget's arithmetic, on a clock the test moves: performance.now()
// is the limiter's only clock, so a spy on it stands in for time passing.

let clock = 1_000_000;
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});
function freezeClock(): (ms: number) => void {
  vi.spyOn(performance, "now").mockImplementation(() => clock);
  return (ms) => {
    clock += ms;
  };
}

// Limiters are process-wide per setting: every test takes a setting of its own.
let setting = 0;
const budget = (maxPerSecond: number, maxInFlight = 1e6 + ++setting): DerivationBudget => ({
  maxInFlight,
  maxPerSecond,
});

/** Takes derivations until the budget refuses; how many it gave, each released with `opened`. */
function drain(limiter: ReturnType<typeof limiterFor>, opened?: boolean): number {
  let taken = 0;
  for (let release = limiter.acquire(); release; release = limiter.acquire()) {
    taken++;
    if (opened !== undefined) release(opened);
    if (taken > 10_000) throw new Error("the budget never refused");
  }
  return taken;
}

describe("the derivation budget's bucket", () => {
  it("starts full: maxPerSecond derivations at once, a whole one even when that is exactly 1", () => {
    freezeClock();
    expect(drain(limiterFor(budget(1)))).toBe(1);
    expect(drain(limiterFor(budget(5)))).toBe(5);
    expect(drain(limiterFor(budget(4.5)))).toBe(4);
  });

  it("refills at maxPerSecond per second, continuously, never above maxPerSecond", () => {
    const advance = freezeClock();
    const limiter = limiterFor(budget(10));
    expect(drain(limiter, true)).toBe(10);
    advance(250); // a quarter of a second: 2.5 derivations
    expect(drain(limiter, true)).toBe(2);
    advance(50); // 0.5 left over + 0.5
    expect(drain(limiter, true)).toBe(1);
    advance(60_000); // a minute refills one second's worth, no more
    expect(drain(limiter, true)).toBe(10);
  });

  it("a clock that goes back neither drains nor fills the bucket", () => {
    const advance = freezeClock();
    const limiter = limiterFor(budget(4));
    expect(limiter.acquire()).toBeDefined();
    advance(-10_000);
    expect(drain(limiter, true)).toBe(3);
    advance(-10_000);
    expect(limiter.acquire()).toBeUndefined();
    // Time counts again from the clock's new reading.
    advance(500);
    expect(drain(limiter, true)).toBe(2);
  });

  it("halves the rate per failed derivation down to maxPerSecond / 16, doubles it per opened one up to maxPerSecond", () => {
    const advance = freezeClock();
    const limiter = limiterFor(budget(64));
    // Each failure takes one derivation and halves the rate, and the bucket never holds more than the rate:
    // 64 → 32 → 16 → 8 → 4 (the floor) → 4, leaving 3 in the bucket.
    for (let i = 0; i < 5; i++) limiter.acquire()?.(false);
    expect(drain(limiter)).toBe(3);
    // At the floor a second brings 4, and failures keep it there.
    advance(1000);
    expect(drain(limiter, false)).toBe(4);
    // Two successes: 4 → 8 → 16; the next second refills at 16.
    advance(1000);
    limiter.acquire()?.(true);
    limiter.acquire()?.(true);
    advance(1000);
    expect(drain(limiter, true)).toBe(16);
    // Those 16 successes took the rate back up to 64, and no further.
    advance(1000);
    expect(drain(limiter, true)).toBe(64);
    advance(1000);
    expect(drain(limiter, true)).toBe(64);
  });

  it("a floor under 1 per second is 1 per second", () => {
    const advance = freezeClock();
    const limiter = limiterFor(budget(8));
    for (let i = 0; i < 8; i++) limiter.acquire()?.(false);
    advance(1000);
    expect(drain(limiter, false)).toBe(1);
    advance(999);
    expect(limiter.acquire()).toBeUndefined();
    advance(1);
    expect(limiter.acquire()).toBeDefined();
  });

  it("maxInFlight: a derivation counts until it is released, and a second release changes nothing", () => {
    freezeClock();
    const limiter = limiterFor(budget(100, 2));
    const first = limiter.acquire();
    const second = limiter.acquire();
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limiter.acquire()).toBeUndefined();
    first?.(true);
    first?.(true);
    // One slot came back, not two.
    const third = limiter.acquire();
    expect(third).toBeDefined();
    expect(limiter.acquire()).toBeUndefined();
    second?.(true);
    third?.(true);
    expect(limiter.acquire()).toBeDefined();
  });

  it("a second release does not move the rate either", () => {
    freezeClock();
    const limiter = limiterFor(budget(16));
    const release = limiter.acquire();
    release?.(false);
    release?.(false);
    // One failure: 16 → 8, so 8 derivations now (the bucket holds at most the rate); two would leave 4.
    expect(drain(limiter)).toBe(8);
  });
});

describe("a tagged seal's derivation holds every budget", () => {
  it("refuses while any is held, and one release ends only its own hold, however often it is called", () => {
    freezeClock();
    const limiter = limiterFor(budget(100));
    const a = holdBudget();
    const b = holdBudget();
    expect(limiter.acquire()).toBeUndefined();
    a();
    a();
    expect(limiter.acquire()).toBeUndefined();
    b();
    const release = limiter.acquire();
    expect(release).toBeDefined();
    release?.(true);
    // Released twice, `a` must not have made room for a hold to go unnoticed.
    const c = holdBudget();
    expect(limiter.acquire()).toBeUndefined();
    c();
    expect(limiter.acquire()).toBeDefined();
  });
});

describe("the default budget follows the core count", () => {
  it("two at once (one on a single core) and 16 per core per second", async () => {
    const { availableParallelism } = await import("node:os");
    const n = availableParallelism();
    expect(DEFAULT_SEAL_OPTIONS.derivationBudget).toEqual({ maxInFlight: Math.min(2, n), maxPerSecond: 16 * n });
  });

  it("reads navigator.hardwareConcurrency where the runtime has it", () => {
    vi.stubGlobal("navigator", { hardwareConcurrency: 6 });
    expect(defaultBudget()).toEqual({ maxInFlight: 2, maxPerSecond: 96 });
    vi.stubGlobal("navigator", { hardwareConcurrency: 1 });
    expect(defaultBudget()).toEqual({ maxInFlight: 1, maxPerSecond: 16 });
  });

  it("falls back to node:os when navigator has no usable count, and to 1 core when nothing answers", () => {
    const os: { availableParallelism?: () => number } = { availableParallelism: () => 3 };
    const getBuiltinModule = vi.fn((id: string): unknown => (id === "node:os" ? os : undefined));
    vi.stubGlobal("process", { ...process, getBuiltinModule });
    for (const navigator of [undefined, {}, { hardwareConcurrency: 0 }, { hardwareConcurrency: "8" }]) {
      vi.stubGlobal("navigator", navigator);
      expect(defaultBudget()).toEqual({ maxInFlight: 2, maxPerSecond: 48 });
    }
    getBuiltinModule.mockImplementation(() => {
      throw new Error("not on this runtime");
    });
    expect(defaultBudget()).toEqual({ maxInFlight: 1, maxPerSecond: 16 });
    getBuiltinModule.mockImplementation(() => ({}));
    expect(defaultBudget()).toEqual({ maxInFlight: 1, maxPerSecond: 16 });
    vi.stubGlobal("process", {});
    expect(defaultBudget()).toEqual({ maxInFlight: 1, maxPerSecond: 16 });
  });
});
