import { getOrAdd } from "../memo.ts";

/**
 * How much PBKDF2 work tokens with salts this library did not tag may cost
 * (cookies of h3, vinxi, iron-session or an older version of this library, and
 * forgeries): derivations at once, and per second. The rate adapts: each
 * derivation whose MAC then fails (a forgery) halves it, down to
 * `maxPerSecond / 16`; each one that opens a token (a migrating user) doubles
 * it, up to `maxPerSecond`. A flood so runs at the floor, a migration at full rate.
 * The cheap 1-iteration keys of h3 v1, vinxi and iron-session tokens have a
 * budget of their own, {@link CHEAP_KEY_FACTOR} times this one at a fixed rate:
 * past it, a forgery's refusal costs no key at all.
 *
 * @example
 * const budget: DerivationBudget = { maxInFlight: 2, maxPerSecond: 64 };
 * const value = await unseal(token, password, { derivationBudget: budget });
 */
export interface DerivationBudget {
  /** Derivations running at once (on libuv's thread pool or in WebCrypto). */
  maxInFlight: number;
  /** Most derivations started per second (a bucket that refills continuously, one second deep). */
  maxPerSecond: number;
}

/** Cores of this machine, as the runtime reports them (1 when it does not). */
function cores(): number {
  const fromNavigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (typeof fromNavigator === "number" && fromNavigator > 0) return fromNavigator;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const os = proc?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
    return os?.availableParallelism?.() ?? 1;
  } catch {
    return 1;
  }
}

/**
 * Two at once (one on a single core): half of libuv's default pool of four
 * threads, so the keys of tagged seals never queue behind forgeries; up to 16
 * per core per second (about 5 % of the CPU at 8192 iterations) while tokens
 * keep opening, enough for a migration's returning users (each costs one
 * derivation per process, then hits the key cache); 1 per core per second
 * under a flood of forgeries.
 */
export function defaultBudget(): DerivationBudget {
  const n = cores();
  return { maxInFlight: Math.min(2, n), maxPerSecond: 16 * n };
}

/** Ends a derivation taken from the budget, saying whether its token then opened. */
export type Release = (opened: boolean) => void;

/** Derivations for seals of this library (tagged salts) running now, across every limiter. */
let urgent = 0;

/**
 * Marks a derivation for a tagged seal (a real user of this process, after a
 * restart) as running: while any is, the budget refuses, so forgeries never
 * take the CPU those users wait for. Returns the release.
 */
export function holdBudget(): () => void {
  urgent++;
  let released = false;
  return () => {
    if (!released) urgent--;
    released = true;
  };
}

/** One process-wide limiter per budget setting. */
class Limiter {
  #inFlight = 0;
  /** The current rate, between `floor` and `maxPerSecond`. */
  #rate: number;
  #tokens: number;
  // A monotonic clock: a wall clock set back (or frozen by a test) must not drain the bucket.
  #refilledAt = performance.now();

  readonly #budget: DerivationBudget;
  readonly #floor: number;
  /** 1-iteration keys: a fixed rate, and no pause for tagged seals (they are synchronous on Node, off the pool). */
  readonly #cheap: boolean;

  constructor(budget: DerivationBudget, cheap: boolean) {
    this.#budget = budget;
    this.#rate = budget.maxPerSecond;
    this.#tokens = budget.maxPerSecond;
    this.#cheap = cheap;
    this.#floor = cheap ? budget.maxPerSecond : Math.max(1, budget.maxPerSecond / 16);
  }

  /** Takes one derivation from the budget, or undefined when it is spent (`ERR_SEAL_BUSY`); never waits. */
  acquire(): Release | undefined {
    const now = performance.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + (Math.max(0, now - this.#refilledAt) / 1000) * this.#rate);
    this.#refilledAt = now;
    if ((urgent > 0 && !this.#cheap) || this.#inFlight >= this.#budget.maxInFlight || this.#tokens < 1) {
      return undefined;
    }
    this.#tokens -= 1;
    this.#inFlight++;
    let released = false;
    return (opened) => {
      if (released) return;
      released = true;
      this.#inFlight--;
      this.#rate = opened ? Math.min(this.#budget.maxPerSecond, this.#rate * 2) : Math.max(this.#floor, this.#rate / 2);
      this.#tokens = Math.min(this.#tokens, this.#rate);
    };
  }
}

/**
 * How many more 1-iteration keys than full derivations the budget allows,
 * per second and at once. One costs a few microseconds, so the default (1,024
 * per core per second) is under 1 % of a core even when every one of them is
 * a forgery. The rate is fixed, not adaptive: a flood then leaves as many
 * slots to the real cookies of h3 v1, vinxi and iron-session users as it can
 * afford, and takes no more than that 1 % however fast it sends.
 */
export const CHEAP_KEY_FACTOR = 64;

const limiters = new Map<string, Limiter>();

/** The shared limiter of a budget setting: for full derivations, or (`cheap`) for 1-iteration keys. */
export function limiterFor(budget: DerivationBudget, cheap = false): Limiter {
  // Per budget object first: a flood asks for every forgery, and a key string per ask is wasted work.
  const pair = getOrAdd(byBudget, budget, () => [sharedLimiter(budget, false), sharedLimiter(budget, true)] as const);
  return pair[cheap ? 1 : 0];
}

const byBudget = new WeakMap<DerivationBudget, readonly [Limiter, Limiter]>();

function sharedLimiter(budget: DerivationBudget, cheap: boolean): Limiter {
  const factor = cheap ? CHEAP_KEY_FACTOR : 1;
  return getOrAdd(limiters, `${budget.maxInFlight}:${budget.maxPerSecond}:${factor}`, () =>
    cheap
      ? new Limiter({ maxInFlight: budget.maxInFlight * factor, maxPerSecond: budget.maxPerSecond * factor }, true)
      : new Limiter(budget, false),
  );
}
