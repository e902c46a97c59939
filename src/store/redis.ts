import { configError } from "../errors.ts";
import { assertStoreId, decodeRecord, encodeRecord, wholeSeconds } from "./record.ts";
import {
  closeClient,
  createRedisClient,
  defineScript,
  firstReady,
  type RedisClientLike,
  type RedisConnectionOptions,
  runScript,
} from "./redis-client.ts";
import type { SessionStore, StoredSession } from "./types.ts";

/** Default key prefix of {@link redisStore}. */
export const DEFAULT_REDIS_PREFIX = "sealed-session:";

/** Options of {@link redisStore}: a `client` you own, or a `url` for a client the store creates. */
export interface RedisStoreOptions {
  /** An ioredis client (create it with {@link DEFAULT_REDIS_OPTIONS}). The store never closes it. */
  client?: RedisClientLike;
  /** `redis://…` URL; the store creates (and `close()` closes) an ioredis client with {@link DEFAULT_REDIS_OPTIONS}. */
  url?: string;
  /** Options over {@link DEFAULT_REDIS_OPTIONS} for the client made from `url`. */
  redisOptions?: RedisConnectionOptions;
  /** Prefix of every key: sessions at `prefix + id`, user indexes at `prefix + "user:" + user`. Default `"sealed-session:"`. */
  prefix?: string;
}

/** A {@link SessionStore} on Redis. */
export interface RedisStore extends SessionStore {
  touch(id: string, ttlSeconds: number): Promise<boolean>;
  listByUser(user: string): Promise<string[]>;
  readonly prefix: string;
  /** Closes the client the store created from `url` (a client you passed stays open). */
  close(): Promise<void>;
}

// Adds the session to its user's index and keeps the index alive at least as long as the session.
const INDEX_LUA = `
local function index(set, id, ttl)
  local existed = redis.call('EXISTS', set)
  redis.call('SADD', set, id)
  if ttl == 0 then redis.call('PERSIST', set) return end
  local left = redis.call('TTL', set)
  if existed == 0 or (left >= 0 and left < ttl) then redis.call('EXPIRE', set, ttl) end
end
`;

/** KEYS: session, user index. ARGV: record, ttl (0 = none), NX | XX, id. The condition and the index update are one step. */
const SET_SCRIPT = defineScript(`${INDEX_LUA}
local ttl = tonumber(ARGV[2])
local ok
if ttl > 0 then ok = redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl, ARGV[3])
else ok = redis.call('SET', KEYS[1], ARGV[1], ARGV[3]) end
if not ok then return 0 end
index(KEYS[2], ARGV[4], ttl)
return 1
`);

/** KEYS: session[, user index]. ARGV: ttl, id. */
const TOUCH_SCRIPT = defineScript(`${INDEX_LUA}
local ttl = tonumber(ARGV[1])
if redis.call('EXPIRE', KEYS[1], ttl) == 0 then return 0 end
if KEYS[2] then index(KEYS[2], ARGV[2], ttl) end
return 1
`);

/**
 * The store for more than one process or machine, on ioredis (an optional peer
 * dependency: `npm install ioredis`). Every write is one atomic command:
 * creation only if absent (`SET … NX`), updates only if present (`XX`), so a
 * session deleted by a logout is never resurrected by a request that was
 * still running. A record lives as long as the session (the TTL comes from
 * `maxAge`/`idleTimeout`) and its TTL is renewed when an idle session slides.
 *
 * Sessions tagged with a user (`config.userId`) are indexed in a set per user;
 * members whose session is gone are pruned when the set is listed. On Redis
 * Cluster put a hash tag in the prefix (`"{sessions}:"`) so that a session and
 * its user index share a slot.
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL!, prefix: "myapp:sess:" });
 * const config: SessionConfig = { password: process.env.SESSION_SECRET!, store, maxAge: 86_400 };
 * // or with a client you manage:
 * const client = new Redis(process.env.REDIS_URL!, { ...DEFAULT_REDIS_OPTIONS });
 * const shared = redisStore({ client });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const { url, redisOptions = {} } = options;
  if ((options.client === undefined) === (url === undefined))
    configError("redisStore needs exactly one of client or url");
  if (url !== undefined && typeof url !== "string") configError("redisStore url must be a string");
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== "string") configError("redisStore prefix must be a string");

  let client = options.client;
  let creating: Promise<RedisClientLike> | undefined;
  let startup: Promise<void> | undefined;
  const key = (id: string) => prefix + id;
  const userKey = (user: string) => `${prefix}user:${user}`;

  async function redis(): Promise<RedisClientLike> {
    if (!client) {
      creating ??= createRedisClient(url as string, redisOptions);
      client = await creating;
    }
    if (client.status !== undefined && client.status !== "ready") {
      startup ??= firstReady(client);
      await startup;
    }
    return client;
  }

  async function read(id: string): Promise<StoredSession | undefined> {
    assertStoreId(id);
    const raw = await (await redis()).call("GET", key(id));
    return raw === null ? undefined : decodeRecord(raw, id);
  }

  return {
    name: "redis",
    prefix,
    get: read,
    async set(id, value, ttlSeconds, mode) {
      assertStoreId(id);
      const json = encodeRecord({ ...value, id });
      const ttl = wholeSeconds(ttlSeconds) ?? 0;
      const condition = mode === "create" ? "NX" : "XX";
      const redisClient = await redis();
      if (value.user !== undefined && value.user !== "") {
        const reply = await runScript(
          redisClient,
          SET_SCRIPT,
          [key(id), userKey(value.user)],
          [json, ttl, condition, id],
        );
        return reply === 1;
      }
      const expiry = ttl > 0 ? ["EX", ttl] : [];
      return (await redisClient.call("SET", key(id), json, ...expiry, condition)) === "OK";
    },
    async delete(id) {
      assertStoreId(id);
      return (await (await redis()).call("DEL", key(id))) === 1;
    },
    async touch(id, ttlSeconds) {
      const record = await read(id);
      if (!record) return false;
      const keys = record.user === undefined ? [key(id)] : [key(id), userKey(record.user)];
      return (await runScript(await redis(), TOUCH_SCRIPT, keys, [wholeSeconds(ttlSeconds) ?? 0, id])) === 1;
    },
    async listByUser(user) {
      const redisClient = await redis();
      const ids = (await redisClient.call("SMEMBERS", userKey(user))) as string[];
      if (ids.length === 0) return [];
      const values = (await redisClient.call("MGET", ...ids.map(key))) as (string | null)[];
      const live: string[] = [];
      const stale: string[] = [];
      for (const [i, id] of ids.entries()) (decodeRecord(values[i], id)?.user === user ? live : stale).push(id);
      // Members whose session expired, was deleted or changed hands are pruned here, not on every delete.
      if (stale.length > 0) await redisClient.call("SREM", userKey(user), ...stale);
      return live;
    },
    async close() {
      if (options.client || !creating) return;
      await closeClient(await creating);
    },
  };
}
