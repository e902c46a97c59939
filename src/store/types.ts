/**
 * What a store keeps for one session.
 *
 * @example
 * const record: StoredSession = { id, createdAt: Date.now(), data: { cart: [] }, user: "user-42" };
 * await store.set(id, record, 3600, "create");
 */
export interface StoredSession {
  readonly id: string;
  readonly createdAt: number;
  readonly data: Record<string, unknown>;
  /** Owner (user id) when the app tagged the session; used to list and revoke. */
  readonly user?: string | undefined;
}

/**
 * The contract every server-side store fulfils. Writes are conditional so that
 * a session deleted by a logout cannot be brought back by a slow request.
 * Ids are always server-generated (`generateId`, or read from a cookie this
 * server sealed); a store never sees an id a client chose.
 *
 * A new store should pass the repository's conformance suite
 * (`testStore()` in `test/store/conformance.ts`; not part of the package).
 * The session layer calls `get`, `set` and `delete`, and `listByUser` for
 * `listUserSessions`/`revokeUserSessions`; an idle session slides by an
 * `"update"` write with the new ttl.
 *
 * @example
 * const store: SessionStore = memoryStore();
 * await store.set(id, { id, createdAt: Date.now(), data: {} }, 3600, "create"); // true
 * await store.set(id, { id, createdAt: Date.now(), data: {} }, 3600, "create"); // false: exists
 */
export interface SessionStore {
  /** A short name for diagnostics (`"memory"`, `"redis"`, `"unstorage"`). */
  readonly name: string;
  /** The record, or undefined when absent or expired. */
  get(id: string): Promise<StoredSession | undefined>;
  /**
   * Writes a record with a time to live in seconds (undefined: no expiry).
   * `mode: "create"` writes only if absent, `"update"` only if present; returns
   * false when the condition failed.
   */
  set(id: string, value: StoredSession, ttlSeconds: number | undefined, mode: "create" | "update"): Promise<boolean>;
  /** Removes a record; resolves true when there was one to remove. */
  delete(id: string): Promise<boolean>;
  /** Extends the time to live without rewriting the data; false when the record is gone. */
  touch?(id: string, ttlSeconds: number): Promise<boolean>;
  /** Ids of the live sessions tagged with `user`. */
  listByUser?(user: string): Promise<string[]>;
}
