import { defineScript } from "./redis-client.ts";
import { LIB } from "./redis-scripts.ts";

/*
 * Scripts of redisStore on Redis Cluster. A script may touch only the keys
 * it declares, and all of them must sit in one slot; a session (`prefix +
 * id`, spread by its random id) and its user's index (`prefix + "user:" +
 * user`, spread by user) do not share one. So each script touches one key,
 * and the index is kept a superset of the truth by ordering the writes:
 *
 * - write-ahead: before a record is written with owner U and expiry E, its
 *   id is added to U's index with a score of E (plus a minute of slack for
 *   clock skew between nodes), and the index key's own expiry is extended to
 *   cover it (never shortened);
 * - nothing removes an id from an index except a listing that has just seen
 *   the record gone or owned by someone else, and only if the id's score is
 *   still the one it read (a write-ahead in between changes the score).
 *
 * A listing reads the index, checks each id's record, and returns those that
 * name the user: exact, whatever failed between the two writes. A deadline
 * check opens every write script, as on a single node.
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
 * fields, field/value pairs, fields to delete. The merged hash, or 0 absent,
 * -1 too late, -2 a 0.1 record, -3 the owner is not the expected one.
 */
export const CLUSTER_UPDATE_SCRIPT = defineScript(`${LIB}
if now_ms() > tonumber(ARGV[1]) then return -1 end
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then return -2 end
if kind ~= 'hash' then return 0 end
if ARGV[5] ~= '*' and (owner_of(KEYS[1]) or '') ~= ARGV[5] then return -3 end
local count = tonumber(ARGV[6])
if count > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 7, 6 + 2 * count)) end
if #ARGV >= 7 + 2 * count then redis.call('HDEL', KEYS[1], unpack(ARGV, 7 + 2 * count)) end
if ARGV[3] == '+' then redis.call('HSET', KEYS[1], '@u', ARGV[4])
elseif ARGV[3] == '-' then redis.call('HDEL', KEYS[1], '@u') end
set_ttl(KEYS[1], tonumber(ARGV[2]))
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: session. ARGV: deadline. 1 deleted, 0 absent, -1 too late. */
export const CLUSTER_DELETE_SCRIPT = defineScript(`${LIB}
if now_ms() > tonumber(ARGV[1]) then return -1 end
return redis.call('DEL', KEYS[1])
`);

/** KEYS: session. Its owner, '' when it has none, false when there is no record. */
export const CLUSTER_OWNER_SCRIPT = defineScript(`${LIB}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return owner_of(KEYS[1]) or ''
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

/** KEYS: user index. ARGV: id, score as read. Removes the id only if its score is unchanged. 1 removed, 0 kept. */
export const CLUSTER_INDEX_REMOVE_SCRIPT = defineScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score == false or score ~= ARGV[2] then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])
`);
