/**
 * A bounded cache that keeps recently used entries: two generations of half
 * the capacity each. A hit in the young generation is a single `Map` lookup
 * (a strict LRU would delete and re-insert on every hit, which is most of the
 * cost of a cached unseal); a hit in the old one moves the entry up. When the
 * young generation is full it becomes the old one and the old one is dropped,
 * so at most `max` entries are held and an entry used at least once per
 * `max / 2` insertions is never evicted.
 */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #half: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(max: number) {
    this.#max = max;
    this.#half = Math.max(1, Math.floor(max / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: K): V | undefined {
    const value = this.#young.get(key);
    if (value !== undefined) return value;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.#insert(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (this.#young.has(key)) this.#young.set(key, value);
    else {
      this.#old.delete(key);
      this.#insert(key, value);
    }
  }

  #insert(key: K, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    // Only a cache of one can be over its bound here (two generations of one).
    // Stryker disable next-line ArithmeticOperator: the young generation is empty whenever this can hold (a cache of one), so + and - agree.
    if (this.#old.size + this.#young.size >= this.#max) this.#old.clear();
    this.#young.set(key, value);
  }
}
