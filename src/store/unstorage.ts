import { configError } from "../errors.ts";
import { lateWrite } from "./call.ts";
import { fromFields, patchFields, toFields } from "./fields.ts";
import { assertStoreId, assertStoreUser, decodeRecord, encodeRecord, isStoreId, wholeSeconds } from "./record.ts";
import type { SessionStore, StoredSession, StoreWriteOptions } from "./types.ts";

/**
 * Default key prefix of {@link unstorageStore}.
 *
 * @example
 * await storage.getItem(`${DEFAULT_UNSTORAGE_PREFIX}:session:${session.id}`);
 */
export const DEFAULT_UNSTORAGE_PREFIX = "sealed-session";

/**
 * The part of an unstorage `Storage` the store uses; `createStorage()` fits
 * it as is. Structural, so that the package's types do not require unstorage.
 *
 * @example
 * import { createStorage } from "unstorage";
 * const storage: UnstorageLike = createStorage();
 */
export interface UnstorageLike {
  getItem(key: string): Promise<unknown>;
  setItem(key: string, value: string, options?: { ttl?: number }): Promise<void>;
  removeItem(key: string): Promise<void>;
  getKeys(base?: string): Promise<string[]>;
}

/**
 * Options of {@link unstorageStore}.
 *
 * @example
 * const store = unstorageStore(storage, { prefix: "myapp" } satisfies UnstorageStoreOptions);
 */
export interface UnstorageStoreOptions {
  /**
   * Key namespace: sessions at `<prefix>:session:<id>`, user index at `<prefix>:user:<user>:<id>`.
   * Spelled as unstorage spells keys (`"app/sess/"` is `"app:sess"`); `"?"` is refused. Default `"sealed-session"`.
   */
  prefix?: string;
  /** The clock, in ms since the epoch (for tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link SessionStore} on an unstorage driver.
 *
 * @example
 * const store: UnstorageStore = unstorageStore(createStorage());
 */
export interface UnstorageStore extends SessionStore {
  listByUser(user: string): Promise<string[]>;
}

interface Entry {
  readonly record: StoredSession;
  readonly expiresAt: number | null;
}

/**
 * A store on any unstorage driver: Cloudflare KV, Vercel KV, Upstash,
 * MongoDB, the file system… (unstorage is an optional peer dependency).
 *
 * The TTL is passed as the `ttl` option the drivers that expire keys
 * understand (Redis, KV stores) and is also written into the record, so that
 * drivers that ignore it (memory, fs) still never return an expired session.
 *
 * Limits, because unstorage has no conditional write and no transaction:
 * create-if-absent and update-if-present are a read followed by a write, so
 * they are **not atomic**.
 * - A logout that lands between a slow request's check and its write can be
 *   undone by that write.
 * - Parallel updates of one session merge into what each request read, so
 *   for keys changed at the same time the **last writer wins** and a change
 *   made by another request between the read and the write can be lost.
 * - The write deadline is checked before the write is sent; a write the
 *   driver has already sent can still land after the request answered 503.
 * Use {@link redisStore} (or the memory store in one process) where these
 * matter. Listing a user's sessions lists keys (`getKeys`), which on some
 * drivers scans the whole namespace.
 *
 * A user index entry is removed with its record: on delete, when an expired
 * record is noticed, and when a write changes the record's user. Entries of
 * records that expire unnoticed go with their ttl on drivers that expire keys,
 * and when the user's sessions are next listed on the others.
 *
 * @example
 * import { createStorage } from "unstorage";
 * import redisDriver from "unstorage/drivers/redis";
 * const storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL }) });
 * const config: SessionConfig = { password: process.env.SESSION_SECRET!, store: unstorageStore(storage) };
 */
export function unstorageStore(storage: UnstorageLike, options: UnstorageStoreOptions = {}): UnstorageStore {
  if (typeof storage?.getItem !== "function" || typeof storage.setItem !== "function") {
    configError("unstorageStore expects an unstorage Storage (createStorage())");
  }
  const prefix = storagePrefix(options.prefix ?? DEFAULT_UNSTORAGE_PREFIX);
  const now = options.now ?? Date.now;
  // unstorage treats ":", "/" and "?" as structure, so every segment from outside is escaped.
  const sessionKey = (id: string) => `${prefix}:session:${encodeURIComponent(id)}`;
  const userBase = (user: string) => `${prefix}:user:${encodeURIComponent(user)}`;
  const indexKey = (user: string, id: string) => `${userBase(user)}:${encodeURIComponent(id)}`;

  async function read(id: string): Promise<Entry | undefined> {
    assertStoreId(id);
    const record = decodeRecord(await storage.getItem(sessionKey(id)), id);
    if (!record) return undefined;
    const expiresAt = typeof record.expiresAt === "number" ? record.expiresAt : null;
    if (expiresAt !== null && expiresAt <= now()) {
      await storage.removeItem(sessionKey(id));
      // Stryker disable next-line ConditionalExpression: without a user no entry exists; removing "user:undefined:<id>" finds nothing
      if (record.user !== undefined) await storage.removeItem(indexKey(record.user, id));
      return undefined;
    }
    const { id: _, createdAt, data, user } = record;
    return { record: user === undefined ? { id, createdAt, data } : { id, createdAt, data, user }, expiresAt };
  }

  async function write(record: StoredSession, ttlSeconds: number | undefined): Promise<void> {
    const ttl = wholeSeconds(ttlSeconds);
    const expiresAt = ttl === undefined ? null : now() + ttl * 1000;
    const ttlOption = ttl === undefined ? undefined : { ttl };
    await storage.setItem(sessionKey(record.id), encodeRecord(record, { expiresAt }), ttlOption);
    if (record.user !== undefined && record.user !== "") {
      await storage.setItem(indexKey(record.user, record.id), JSON.stringify({ expiresAt }), ttlOption);
    }
  }

  function checkDeadline(what: string, options: StoreWriteOptions): void {
    if (Date.now() > options.deadline) throw lateWrite(what);
  }

  return {
    name: "unstorage",
    async get(id) {
      return (await read(id))?.record;
    },
    async create(record, ttlSeconds, options) {
      assertStoreUser(record.user);
      toFields(record.data);
      // Check, then write: see the atomicity note above.
      if (await read(record.id)) return false;
      checkDeadline("create", options);
      await write(record, ttlSeconds);
      return true;
    },
    async update(id, patch, ttlSeconds, options) {
      const user = patch.user === null ? undefined : assertStoreUser(patch.user);
      const { set, unset } = patchFields(patch);
      const existing = await read(id);
      if (!existing) return undefined;
      const data: Record<string, unknown> = { ...existing.record.data, ...fromFields(set) };
      for (const key of unset) delete data[key];
      const before = existing.record.user;
      const after = patch.user === undefined ? before : user;
      const record = {
        id,
        createdAt: existing.record.createdAt,
        data,
        ...(after === undefined ? {} : { user: after }),
      };
      checkDeadline("update", options);
      await write(record, ttlSeconds);
      // Stryker disable next-line ConditionalExpression: with no user before there is no entry to remove ("user:undefined:<id>" finds nothing)
      if (before !== undefined && before !== after) await storage.removeItem(indexKey(before, id));
      return record;
    },
    async delete(id, options) {
      const existing = await read(id);
      checkDeadline("delete", options);
      await storage.removeItem(sessionKey(id));
      const user = existing?.record.user;
      // Stryker disable next-line ConditionalExpression: as in read(), a record without a user has no entry to remove
      if (user !== undefined) await storage.removeItem(indexKey(user, id));
      return existing !== undefined;
    },
    async listByUser(user) {
      const base = userBase(user);
      const keys = await storage.getKeys(base);
      const live: string[] = [];
      for (const key of keys) {
        // A storage whose getKeys matches by text lists user "ab"'s entries for "a": not ours to prune.
        if (!key.startsWith(`${base}:`)) continue;
        const id = decodeURIComponent(key.slice(base.length + 1));
        const entry = isStoreId(id) ? await read(id) : undefined;
        if (entry?.record.user === user) live.push(id);
        else await storage.removeItem(key);
      }
      return live;
    },
  };
}

/**
 * The prefix as unstorage spells keys: it reads "/" and "\\" as ":", drops
 * empty segments and cuts a key at "?". Written keys and listed keys then
 * match, so a prefix like `"app/sessions"` lists users' sessions instead of
 * pruning their index, and no "?" folds every session onto one key.
 */
function storagePrefix(prefix: string): string {
  if (typeof prefix !== "string" || prefix.includes("?")) {
    configError('unstorageStore prefix must be a string without "?" (unstorage cuts keys there)');
  }
  const normalized = prefix.replace(/[/\\]/g, ":").replace(/:+/g, ":").replace(/^:|:$/g, "");
  if (normalized === "") configError("unstorageStore prefix must not be empty");
  return normalized;
}
