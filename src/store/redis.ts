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
import type { SessionStore } from "./types.ts";

/**
 * Default key prefix of {@link redisStore}.
 *
 * @example
 * await redis.get(`${DEFAULT_REDIS_PREFIX}${session.id}`); // the record, as JSON
 */
export const DEFAULT_REDIS_PREFIX = "sealed-session:";

/**
 * Options of {@link redisStore}: a `client` you own, or a `url` for a client
 * the store creates; exactly one of the two.
 *
 * @example
 * const options: RedisStoreOptions = { url: "redis://127.0.0.1:6379", prefix: "{myapp}:sess:" };
 */
export interface RedisStoreOptions {
  /** An ioredis client (create it with {@link DEFAULT_REDIS_OPTIONS}). The store never closes it. */
  client?: RedisClientLike;
  /** `redis://…` URL; the store creates (and `close()` closes) an ioredis client with {@link DEFAULT_REDIS_OPTIONS}. */
  url?: string;
  /** Options over {@link DEFAULT_REDIS_OPTIONS} for the client made from `url`. */
  redisOptions?: RedisConnectionOptions;
  /** Prefix of every key: sessions at `prefix + id`, user indexes (sorted sets) at `prefix + "user:" + user`. Default `"sealed-session:"`. */
  prefix?: string;
}

/**
 * A {@link SessionStore} on Redis, with its key prefix and `close()`.
 *
 * @example
 * const store: RedisStore = redisStore({ url: process.env.REDIS_URL! });
 * process.once("SIGTERM", () => void store.close());
 */
export interface RedisStore extends SessionStore {
  touch(id: string, ttlSeconds: number): Promise<boolean>;
  listByUser(user: string): Promise<string[]>;
  readonly prefix: string;
  /** Closes the client the store created from `url` (a client you passed stays open). */
  close(): Promise<void>;
}

/*
 * The user index. `prefix + "user:" + user` is a sorted set of the user's
 * session ids, each scored by the time its record expires (ms, server clock;
 * +inf for a record without expiry). Every script that changes a record
 * keeps it exact, atomically:
 * - a write prunes members that have expired, adds or rescores the session,
 *   and takes the id out of its previous owner's index when the owner changed;
 * - a delete takes the id out of its owner's index (the record names it);
 * - listing prunes expired members and those whose record is gone (evicted,
 *   deleted behind the store's back) or names another user.
 * The index key expires at its highest score (PEXPIREAT), so it never outlives
 * its members; an index left empty is deleted by Redis.
 *
 * Scripts read the clock with TIME (Redis 5 or later replicates scripts by
 * effects, which allows it), so the scores share the clock of the records'
 * TTLs whatever the app servers' clocks say. Delete, touch and the owner change
 * name the index of the user read from the record, a key computed in the
 * script: on Redis Cluster the prefix's hash tag (see redisStore) keeps it in
 * the session's slot.
 */
const INDEX_LUA = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function expire_with_members(index)
  local top = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
  if #top == 0 then return end
  if top[2] == 'inf' then redis.call('PERSIST', index) else redis.call('PEXPIREAT', index, top[2]) end
end
local function prune(index, now)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. string.format('%.0f', now))
end
local function index(set, id, ttl, now)
  prune(set, now)
  local score = '+inf'
  if ttl > 0 then score = string.format('%.0f', now + ttl * 1000) end
  redis.call('ZADD', set, score, id)
  expire_with_members(set)
end
local function unindex(set, id, now)
  redis.call('ZREM', set, id)
  prune(set, now)
  expire_with_members(set)
end
local function owner(raw)
  if not raw then return nil end
  local ok, record = pcall(cjson.decode, raw)
  if ok and type(record) == 'table' and type(record.user) == 'string' and record.user ~= '' then return record.user end
  return nil
end
`;

/**
 * KEYS: session[, user index]. ARGV: record, ttl (0 = none), NX | XX, id, prefix.
 * The condition, the write and the index updates are one step.
 */
const SET_SCRIPT = defineScript(`${INDEX_LUA}
local ttl = tonumber(ARGV[2])
local before = nil
if ARGV[3] == 'XX' then before = owner(redis.call('GET', KEYS[1])) end
local ok
if ttl > 0 then ok = redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl, ARGV[3])
else ok = redis.call('SET', KEYS[1], ARGV[1], ARGV[3]) end
if not ok then return 0 end
local now = now_ms()
if before then
  local old = ARGV[5] .. 'user:' .. before
  if old ~= KEYS[2] then unindex(old, ARGV[4], now) end
end
if KEYS[2] then index(KEYS[2], ARGV[4], ttl, now) end
return 1
`);

/** KEYS: session. ARGV: id, prefix. */
const DELETE_SCRIPT = defineScript(`${INDEX_LUA}
local user = owner(redis.call('GET', KEYS[1]))
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
if user then unindex(ARGV[2] .. 'user:' .. user, ARGV[1], now_ms()) end
return 1
`);

/** KEYS: session. ARGV: ttl (0 = none), id, prefix. */
const TOUCH_SCRIPT = defineScript(`${INDEX_LUA}
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  if redis.call('EXPIRE', KEYS[1], ttl) == 0 then return 0 end
elseif redis.call('EXISTS', KEYS[1]) == 0 then return 0
else redis.call('PERSIST', KEYS[1]) end
local user = owner(redis.call('GET', KEYS[1]))
if user then index(ARGV[3] .. 'user:' .. user, ARGV[2], ttl, now_ms()) end
return 1
`);

/** KEYS: user index. ARGV: user, prefix. Prunes, then returns the ids whose record still names the user. */
const LIST_SCRIPT = defineScript(`${INDEX_LUA}
prune(KEYS[1], now_ms())
local live = {}
local gone = false
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if owner(redis.call('GET', ARGV[2] .. id)) == ARGV[1] then live[#live + 1] = id
  else redis.call('ZREM', KEYS[1], id) gone = true end
end
if gone then expire_with_members(KEYS[1]) end
return live
`);

/**
 * The store for more than one process or machine, on ioredis (an optional peer
 * dependency: `npm install ioredis`; Redis 5 or later). Every write is one
 * atomic script: creation only if absent (`SET … NX`), updates only if
 * present (`XX`), together with the user index, so a
 * session deleted by a logout is never resurrected by a request that was
 * still running. A record lives as long as the session (the TTL comes from
 * `maxAge`/`idleTimeout`) and its TTL is renewed when an idle session slides.
 *
 * Sessions tagged with a user (`config.userId`) are indexed in a sorted set
 * per user, scored by each record's expiry: deleting, regenerating or
 * re-tagging a session takes its id out at once, expired ids are pruned on
 * every write and listing, and the index expires with its last member. On
 * Redis Cluster put a hash tag in the prefix (`"{sessions}:"`) so that a
 * session and its user index share a slot.
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL!, prefix: "myapp:sess:" });
 * const config: SessionConfig = { password: process.env.SESSION_SECRET!, store, maxAge: 86_400 };
 * // or with a client you manage (import { Redis } from "ioredis"):
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
  /** Set once the client has been ready: after that nothing waits, so during an outage calls fail fast. */
  let started = false;
  const key = (id: string) => prefix + id;
  const userKey = (user: string) => `${prefix}user:${user}`;

  async function redis(): Promise<RedisClientLike> {
    if (!client) {
      creating ??= createRedisClient(url as string, redisOptions);
      client = await creating;
    }
    if (!started) {
      if (client.status === undefined || client.status === "ready") {
        started = true;
      } else {
        // Shared by concurrent first calls; a failure is not cached, so the next call tries again.
        startup ??= firstReady(client).then(
          () => {
            started = true;
          },
          (error: unknown) => {
            startup = undefined;
            throw error;
          },
        );
        await startup;
      }
    }
    return client;
  }

  return {
    name: "redis",
    prefix,
    async get(id) {
      assertStoreId(id);
      const raw = await (await redis()).call("GET", key(id));
      return raw === null ? undefined : decodeRecord(raw, id);
    },
    async set(id, value, ttlSeconds, mode) {
      assertStoreId(id);
      const json = encodeRecord({ ...value, id });
      const ttl = wholeSeconds(ttlSeconds) ?? 0;
      const keys = value.user === undefined || value.user === "" ? [key(id)] : [key(id), userKey(value.user)];
      const args = [json, ttl, mode === "create" ? "NX" : "XX", id, prefix];
      return (await runScript(await redis(), SET_SCRIPT, keys, args)) === 1;
    },
    async delete(id) {
      assertStoreId(id);
      return (await runScript(await redis(), DELETE_SCRIPT, [key(id)], [id, prefix])) === 1;
    },
    async touch(id, ttlSeconds) {
      assertStoreId(id);
      const ttl = wholeSeconds(ttlSeconds) ?? 0;
      return (await runScript(await redis(), TOUCH_SCRIPT, [key(id)], [ttl, id, prefix])) === 1;
    },
    async listByUser(user) {
      return (await runScript(await redis(), LIST_SCRIPT, [userKey(user)], [user, prefix])) as string[];
    },
    async close() {
      if (options.client || !creating) return;
      await closeClient(await creating);
    },
  };
}
