/** What `Map`, `WeakMap` and the LRU cache share. */
interface Table<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

/**
 * The value `table` holds for `key`, made by `create` and kept on first use:
 * the one shape of every per-backend, per-secret and per-config cache here.
 *
 * @example
 * const keys = getOrAdd(bySecret, secret, () => new Map<string, KeyHandle>());
 */
export function getOrAdd<K, V>(table: Table<K, V>, key: K, create: (key: K) => V): V {
  let value = table.get(key);
  if (value === undefined) {
    value = create(key);
    table.set(key, value);
  }
  return value;
}
