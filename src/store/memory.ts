import { configError } from "../errors.ts";
import { lateWrite } from "./call.ts";
import { type DataFields, fromFields, patchFields, toFields } from "./fields.ts";
import { assertStoreId, assertStoreUser, wholeSeconds } from "./record.ts";
import type { SessionStore, StoredSession, StoreWriteOptions } from "./types.ts";

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
   * Most records kept. Past it, expired records go first, then the least
   * recently used, which signs its user out: set it above the number of
   * signed-in sessions you expect (anonymous visitors cost no record).
   * Default {@link DEFAULT_MEMORY_STORE_MAX}.
   */
  max?: number;
  /** How often expired records are swept, in ms (`0`: never, only on access). Default 1000. */
  sweepInterval?: number;
  /** The clock, in ms since the epoch (for tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link SessionStore} held in this process's memory, with its size, a
 * `sweep()`, a `clear()` and a `close()`.
 *
 * @example
 * const store: MemoryStore = memoryStore();
 * afterEach(() => store.clear());
 */
export interface MemoryStore extends SessionStore {
  listByUser(user: string): Promise<string[]>;
  /** Records held, expired ones not yet swept included. */
  readonly size: number;
  /** Users with at least one indexed session: falls back to 0 when their sessions are gone (a gauge for metrics). */
  readonly users: number;
  /** Drops expired records now (the background sweep does it on its own); resolves how many. */
  sweep(): number;
  /** Drops every record. */
  clear(): void;
  /** Stops the background sweep (the store still works; expiry is then checked on access). */
  close(): void;
}

interface Entry {
  /** Data as JSON per key, so a request mutating its objects cannot change the store behind its back. */
  readonly fields: DataFields;
  readonly createdAt: number;
  expiresAt: number;
  user: string | undefined;
}

/** Entries looked at per sweep: a sweep never blocks the event loop for long. */
const SWEEP_BUDGET = 20_000;

/**
 * A store for one process: bounded, expiring, and merging updates in place,
 * so parallel requests of one session that change different keys all land.
 * Expired records are swept in the background by an unref'd timer (it never
 * keeps the process alive) and when the store is full. Sessions do not
 * survive a restart and are not shared between processes: use
 * {@link redisStore} for more than one.
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
  const interval = options.sweepInterval ?? 1000;
  if (!Number.isInteger(interval) || interval < 0)
    configError("memoryStore sweepInterval must be a whole number of ms");
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const byUser = new Map<string, Set<string>>();
  let timer: ReturnType<typeof setInterval> | undefined;
  // A live Map iterator: it survives deletions and insertions, so each sweep resumes where the last stopped.
  let cursor: IterableIterator<[string, Entry]> | undefined;

  function index(id: string, user: string | undefined): void {
    if (user === undefined) return;
    const ids = byUser.get(user) ?? new Set<string>();
    byUser.set(user, ids.add(id));
  }

  function unindex(id: string, user: string | undefined): void {
    if (user === undefined) return;
    // Every held record's user has a set: index() made it, and it goes only with its last id.
    const ids = byUser.get(user)!;
    ids.delete(id);
    if (ids.size === 0) byUser.delete(user);
  }

  function remove(id: string, entry: Entry): void {
    entries.delete(id);
    unindex(id, entry.user);
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

  /** One slice of the background sweep (the public `sweep()` is {@link sweepAll}). */
  function sweep(budget = SWEEP_BUDGET): void {
    const time = now();
    // An empty map ends the loop too: its iterator is done at once, and again after the restart.
    for (let seen = 0; seen < budget; seen++) {
      cursor ??= entries.entries();
      const next = cursor.next();
      if (next.done) {
        cursor = undefined;
        if (seen > 0) break;
        continue;
      }
      const [id, entry] = next.value;
      if (entry.expiresAt <= time) remove(id, entry);
    }
  }

  function startSweeping(): void {
    if (timer !== undefined || interval === 0) return;
    timer = setInterval(() => sweep(), interval);
    // Stryker disable next-line OptionalChaining: Node's timers have unref; the `?.` is for runtimes whose timers are numbers
    (timer as { unref?: () => void }).unref?.();
  }

  function checkDeadline(what: string, options: StoreWriteOptions): void {
    // Writes here are synchronous: one that starts before its deadline also ends before it.
    if (Date.now() > options.deadline) throw lateWrite(what);
  }

  function toRecord(id: string, entry: Entry): StoredSession {
    const record = { id, createdAt: entry.createdAt, data: fromFields(entry.fields) };
    return entry.user === undefined ? record : { ...record, user: entry.user };
  }

  function sweepAll(): number {
    const time = now();
    let removed = 0;
    for (const [id, entry] of entries) {
      if (entry.expiresAt > time) continue;
      remove(id, entry);
      removed++;
    }
    return removed;
  }

  function makeRoom(): void {
    if (entries.size <= max) return;
    sweepAll();
    for (const [oldest, victim] of entries) {
      if (entries.size <= max) break;
      remove(oldest, victim);
    }
  }

  return {
    name: "memory",
    get size() {
      return entries.size;
    },
    get users() {
      return byUser.size;
    },
    async get(id) {
      assertStoreId(id);
      const entry = live(id);
      if (!entry) return undefined;
      // Re-inserting moves the entry to the end of the Map: the eviction order is least recently used first.
      entries.delete(id);
      entries.set(id, entry);
      return toRecord(id, entry);
    },
    async create(record, ttlSeconds, options) {
      const { id } = record;
      assertStoreId(id);
      const user = assertStoreUser(record.user);
      const fields = toFields(record.data);
      checkDeadline("create", options);
      if (live(id)) return false;
      entries.set(id, { fields, createdAt: record.createdAt, expiresAt: expiry(ttlSeconds), user });
      index(id, user);
      makeRoom();
      startSweeping();
      return true;
    },
    async update(id, patch, ttlSeconds, options) {
      assertStoreId(id);
      const user = patch.user === null ? undefined : assertStoreUser(patch.user);
      const { set, unset } = patchFields(patch);
      checkDeadline("update", options);
      const entry = live(id);
      if (!entry) return undefined;
      for (const [key, text] of set) entry.fields.set(key, text);
      for (const key of unset) entry.fields.delete(key);
      if (
        patch.user !== undefined &&
        // Stryker disable next-line ConditionalExpression: re-indexing a record under the owner it has changes nothing a listing promises
        user !== entry.user
      ) {
        unindex(id, entry.user);
        entry.user = user;
        index(id, user);
      }
      entry.expiresAt = expiry(ttlSeconds);
      entries.delete(id);
      entries.set(id, entry);
      return toRecord(id, entry);
    },
    async delete(id, options) {
      assertStoreId(id);
      checkDeadline("delete", options);
      const entry = live(id);
      if (entry) remove(id, entry);
      return entry !== undefined;
    },
    async listByUser(user) {
      const ids = byUser.get(user);
      if (!ids) return [];
      // Copy first: live() removes expired ids from this very set.
      return [...ids].filter((id) => live(id) !== undefined);
    },
    sweep: sweepAll,
    clear() {
      entries.clear();
      byUser.clear();
      cursor = undefined;
    },
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
