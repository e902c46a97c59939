import { configError } from "../errors.ts";
import { assertStoreId, decodeRecord, encodeRecord, wholeSeconds } from "./record.ts";
import type { SessionStore, StoredSession } from "./types.ts";

/**
 * Default bound of {@link memoryStore}: records kept before the least recently used is dropped.
 *
 * @example
 * const store = memoryStore({ max: 2 * DEFAULT_MEMORY_STORE_MAX });
 */
export const DEFAULT_MEMORY_STORE_MAX = 100_000;

/**
 * Options of {@link memoryStore}.
 *
 * @example
 * let now = Date.now();
 * const options: MemoryStoreOptions = { max: 1000, now: () => now }; // a clock tests can move
 */
export interface MemoryStoreOptions {
  /**
   * Most records kept. Past it the least recently used record is dropped, which
   * signs its user out, so set it above the number of live sessions you expect.
   * Default {@link DEFAULT_MEMORY_STORE_MAX}.
   */
  max?: number;
  /** The clock, in ms since the epoch (for tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link SessionStore} held in this process's memory, with its size and a `clear()`.
 *
 * @example
 * const store: MemoryStore = memoryStore();
 * afterEach(() => store.clear());
 */
export interface MemoryStore extends SessionStore {
  touch(id: string, ttlSeconds: number): Promise<boolean>;
  listByUser(user: string): Promise<string[]>;
  /** Records held, expired ones not yet noticed included. */
  readonly size: number;
  /** Drops every record. */
  clear(): void;
}

interface Entry {
  /** Records are kept as JSON so a request mutating its data cannot change the store behind its back. */
  readonly json: string;
  expiresAt: number;
  readonly user: string | undefined;
}

/**
 * A store for one process: bounded (least recently used records go first) and
 * expiring. Expiry is checked lazily on access, so it runs no timer and never
 * keeps the process alive. Sessions do not survive a restart and are not
 * shared between processes: use {@link redisStore} for more than one.
 *
 * @example
 * const config: SessionConfig = {
 *   password: process.env.SESSION_SECRET!,
 *   store: memoryStore({ max: 50_000 }),
 *   userId: (data) => data.user as string | undefined,
 * };
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const max = options.max ?? DEFAULT_MEMORY_STORE_MAX;
  if (!Number.isInteger(max) || max < 1) configError("memoryStore max must be a positive integer");
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const byUser = new Map<string, Set<string>>();

  function remove(id: string, entry: Entry): void {
    entries.delete(id);
    if (entry.user === undefined) return;
    const ids = byUser.get(entry.user);
    ids?.delete(id);
    if (ids?.size === 0) byUser.delete(entry.user);
  }

  /** The entry if present and not expired; an expired one is removed on the way. */
  function live(id: string): Entry | undefined {
    const entry = entries.get(id);
    if (entry && entry.expiresAt <= now()) {
      remove(id, entry);
      return undefined;
    }
    return entry;
  }

  function expiry(ttlSeconds: number | undefined): number {
    const ttl = wholeSeconds(ttlSeconds);
    return ttl === undefined ? Number.POSITIVE_INFINITY : now() + ttl * 1000;
  }

  return {
    name: "memory",
    get size() {
      return entries.size;
    },
    async get(id) {
      assertStoreId(id);
      const entry = live(id);
      if (!entry) return undefined;
      // Re-inserting moves the entry to the end of the Map: the eviction order is least recently used first.
      entries.delete(id);
      entries.set(id, entry);
      return decodeRecord(JSON.parse(entry.json), id) as StoredSession | undefined;
    },
    async set(id, value, ttlSeconds, mode) {
      assertStoreId(id);
      const existing = live(id);
      if (mode === "create" ? existing : !existing) return false;
      const user = value.user === "" ? undefined : value.user;
      const entry: Entry = { json: encodeRecord({ ...value, id }), expiresAt: expiry(ttlSeconds), user };
      if (existing) remove(id, existing);
      entries.set(id, entry);
      if (user !== undefined) {
        const ids = byUser.get(user) ?? new Set<string>();
        byUser.set(user, ids.add(id));
      }
      for (const [oldest, victim] of entries) {
        if (entries.size <= max) break;
        remove(oldest, victim);
      }
      return true;
    },
    async delete(id) {
      assertStoreId(id);
      const entry = live(id);
      if (entry) remove(id, entry);
      return entry !== undefined;
    },
    async touch(id, ttlSeconds) {
      assertStoreId(id);
      const entry = live(id);
      if (entry) entry.expiresAt = expiry(ttlSeconds);
      return entry !== undefined;
    },
    async listByUser(user) {
      // Copy first: live() removes expired ids from this very set.
      const ids = [...(byUser.get(user) ?? [])];
      return ids.filter((id) => live(id) !== undefined);
    },
    clear() {
      entries.clear();
      byUser.clear();
    },
  };
}
