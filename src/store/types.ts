/**
 * What a store keeps for one session.
 *
 * @example
 * const record: StoredSession = { id, createdAt: Date.now(), data: { cart: [] }, user: "user-42" };
 * await store.create(record, 3600, { deadline: Date.now() + 2000 });
 */
export interface StoredSession {
  readonly id: string;
  readonly createdAt: number;
  readonly data: Record<string, unknown>;
  /** Owner (user id) when the app tagged the session; used to list and revoke. */
  readonly user?: string | undefined;
}

/**
 * One update of a record: the top-level keys set and removed. A store merges
 * it into the record it holds, atomically where it can, so requests that
 * change different keys of one session in parallel all land.
 *
 * @example
 * const patch: SessionPatch = { set: { theme: "dark" }, unset: ["flashMessage"] };
 * const merged = await store.update(id, patch, 3600, { deadline: Date.now() + 2000 });
 */
export interface SessionPatch {
  /** Top-level keys to set, with their new values. */
  readonly set: Readonly<Record<string, unknown>>;
  /** Top-level keys to remove. */
  readonly unset: readonly string[];
  /** The owner after the write: a string tags the record, `null` untags it, absent keeps it. */
  readonly user?: string | null | undefined;
}

/**
 * What comes with every write.
 *
 * @example
 * const options: StoreWriteOptions = { deadline: Date.now() + DEFAULT_STORE_TIMEOUT_MS };
 */
export interface StoreWriteOptions {
  /**
   * The instant (ms since the epoch, this process's clock) after which the
   * write must not take effect. The session layer answers 503 at that moment,
   * so a write that still lands later would change a session whose user was
   * told it did not change. A store enforces it on its own side (Redis: the
   * script compares the server's clock) and throws or resolves false-like
   * values only before it; past it, the write must be refused.
   */
  readonly deadline: number;
}

/**
 * The contract every server-side store fulfils. The rules:
 * - **Conditional writes.** `create` writes only if absent and `update` only
 *   if present, so a session deleted by a logout is never brought back by a
 *   slow request.
 * - **A refused write never lands later** (see {@link StoreWriteOptions.deadline}).
 * - **Updates are patches** merged into the current record, and `update`
 *   resolves the merged record, so a request sees what parallel requests wrote.
 * - Ids are always server-generated; a store never sees an id a client chose.
 *
 * The session layer writes nothing until a session has data, so anonymous
 * visitors cost no record. A new store proves itself with the repository's
 * conformance suite (`testStore()` in `test/store/conformance.ts`).
 *
 * @example
 * const store: SessionStore = memoryStore();
 * const deadline = Date.now() + 2000;
 * await store.create({ id, createdAt: Date.now(), data: { a: 1 } }, 3600, { deadline }); // true
 * await store.update(id, { set: { b: 2 }, unset: [] }, 3600, { deadline }); // { …, data: { a: 1, b: 2 } }
 */
export interface SessionStore {
  /** A short name for diagnostics (`"memory"`, `"redis"`, `"unstorage"`). */
  readonly name: string;
  /** The record, or undefined when absent or expired. */
  get(id: string): Promise<StoredSession | undefined>;
  /**
   * Writes a new record with a time to live in seconds (undefined: no expiry),
   * only if no record has this id; false when one has.
   */
  create(record: StoredSession, ttlSeconds: number | undefined, options: StoreWriteOptions): Promise<boolean>;
  /**
   * Merges `patch` into the record and renews its time to live, only if the
   * record exists; resolves the merged record, or undefined when it is gone.
   * An empty patch only renews the time to live (an idle session sliding).
   */
  update(
    id: string,
    patch: SessionPatch,
    ttlSeconds: number | undefined,
    options: StoreWriteOptions,
  ): Promise<StoredSession | undefined>;
  /** Removes a record; resolves true when there was one to remove. */
  delete(id: string, options: StoreWriteOptions): Promise<boolean>;
  /** Ids of the live sessions tagged with `user`. */
  listByUser?(user: string): Promise<string[]>;
}
