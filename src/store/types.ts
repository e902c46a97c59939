/** What a store keeps for one session. */
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
 */
export interface SessionStore {
  readonly name: string;
  get(id: string): Promise<StoredSession | undefined>;
  /**
   * Writes a record with a time to live in seconds. `mode: "create"` writes only
   * if absent, `"update"` only if present; returns false when the condition failed.
   */
  set(id: string, value: StoredSession, ttlSeconds: number | undefined, mode: "create" | "update"): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** Extends the time to live without rewriting the data. */
  touch?(id: string, ttlSeconds: number): Promise<void>;
  /** Ids of the sessions tagged with `user`. */
  listByUser?(user: string): Promise<string[]>;
}
