import { defineScript } from "./redis-client.ts";
import { LIB } from "./redis-scripts.ts";

/*
 * Scripts of redisStore on Redis Cluster. A script may touch only the keys
 * it declares, and all of them must sit in one slot; a session (`prefix +
 * id`, spread by its random id) and its user's index (`prefix + "user:" +
 * user`, spread by user) do not share one. So each script touches one key,
 * and redis-cluster.ts orders the scripts so that an index never misses a
 * live session of its user and drops what is no longer one right after the
 * write that ended it:
 *
 * - write-ahead: before a record is written with owner U and expiry E, its
 *   id is added to U's index with a score of E (plus a minute of slack for
 *   clock skew between nodes), and the index key's own expiry is extended to
 *   cover it (never shortened); a write that makes U the owner adds it again
 *   after the record, which undoes a removal that raced it;
 * - clean-up: a delete, a change of owner, or a write that turned out not to
 *   need its write-ahead (the record was gone or had another owner) takes
 *   the id out of the index it no longer belongs to, then reads the record
 *   and puts the id back if the record names that user after all (a
 *   parallel write gave it back);
 * - a listing still checks each id against its record, for what a crash or
 *   an outage between the two scripts of one write left behind.
 *
 * A deadline check opens every write script, as on a single node; the
 * clean-up and repair scripts carry none (they only make an index match its
 * records, and must run after a write that has landed).
 */

/** Slack (ms) added to index scores and expiries: covers clock differences between nodes. */
export const INDEX_SLACK_MS = 60_000;

/** KEYS: session. ARGV: deadline, ttl (0 = none), createdAt, owner ('' = none), then field/value pairs. 1 created, 0 exists, -1 too late. */
export const CLUSTER_CREATE_SCRIPT = defineScript(`${LIB}
if now_ms() > tonumber(ARGV[1]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local args = {'@c', ARGV[3]}
if ARGV[4] ~= '' then args[#args + 1] = '@u' args[#args + 1] = ARGV[4] end
for i = 5, #ARGV do args[#args + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(args))
set_ttl(KEYS[1], tonumber(ARGV[2]))
return 1
`);

/**
 * KEYS: session. ARGV: deadline, ttl, owner change ('=' keep, '+' set, '-'
 * remove), owner, expected current owner ('*' any, '' none), count of set
 * fields, field/value pairs, fields to delete. The owner before the write
 * ('' none) followed by the merged hash, or 0 absent, -1 too late, -2 a 0.1
 * record, -3 the owner is not the expected one.
 */
export const CLUSTER_UPDATE_SCRIPT = defineScript(`${LIB}
if now_ms() > tonumber(ARGV[1]) then return -1 end
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then return -2 end
if kind ~= 'hash' then return 0 end
local previous = owner_of(KEYS[1]) or ''
if ARGV[5] ~= '*' and previous ~= ARGV[5] then return -3 end
local count = tonumber(ARGV[6])
if count > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 7, 6 + 2 * count)) end
if #ARGV >= 7 + 2 * count then redis.call('HDEL', KEYS[1], unpack(ARGV, 7 + 2 * count)) end
if ARGV[3] == '+' then redis.call('HSET', KEYS[1], '@u', ARGV[4])
elseif ARGV[3] == '-' then redis.call('HDEL', KEYS[1], '@u') end
set_ttl(KEYS[1], tonumber(ARGV[2]))
local merged = redis.call('HGETALL', KEYS[1])
table.insert(merged, 1, previous)
return merged
`);

/** KEYS: session. ARGV: deadline. {1, owner ('' none)} deleted, 0 absent, -1 too late. */
export const CLUSTER_DELETE_SCRIPT = defineScript(`${LIB}
if now_ms() > tonumber(ARGV[1]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local owner = owner_of(KEYS[1]) or ''
redis.call('DEL', KEYS[1])
return {1, owner}
`);

/** KEYS: session. {owner ('' none), ms to live (-1 none)}, or false when there is no record. */
export const CLUSTER_OWNER_SCRIPT = defineScript(`${LIB}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return {owner_of(KEYS[1]) or '', redis.call('PTTL', KEYS[1])}
`);

/**
 * KEYS: user index. ARGV: deadline, id, ttl (0 = none). Adds or rescores the
 * id and extends the index's expiry to cover it. 1 done, -1 too late.
 */
export const CLUSTER_INDEX_ADD_SCRIPT = defineScript(`${LIB}
local now = now_ms()
if now > tonumber(ARGV[1]) then return -1 end
local ttl = tonumber(ARGV[3])
local existed = redis.call('EXISTS', KEYS[1]) == 1
local lasting = existed and redis.call('PTTL', KEYS[1]) == -1
if ttl == 0 then
  redis.call('ZADD', KEYS[1], '+inf', ARGV[2])
  redis.call('PERSIST', KEYS[1])
  return 1
end
local span = ttl * 1000 + ${INDEX_SLACK_MS}
redis.call('ZADD', KEYS[1], string.format('%.0f', now + span), ARGV[2])
if not lasting and redis.call('PTTL', KEYS[1]) < span then redis.call('PEXPIRE', KEYS[1], span) end
return 1
`);

/** KEYS: user index. ARGV: id. Removes it (the set goes when its last id does). */
export const CLUSTER_INDEX_DROP_SCRIPT = defineScript("return redis.call('ZREM', KEYS[1], ARGV[1])");

/** KEYS: user index. ARGV: id, score as read. Removes the id only if its score is unchanged. 1 removed, 0 kept. */
export const CLUSTER_INDEX_REMOVE_SCRIPT = defineScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score == false or score ~= ARGV[2] then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])
`);
