import { defineScript } from "./redis-client.ts";

/*
 * Records are hashes: `@c` holds createdAt, `@u` the owner, and each
 * top-level data key is a field `.<key>` holding that value's JSON. An update
 * then sets and deletes only the fields it changed, inside one script, so
 * parallel requests that change different keys all land, and no script ever
 * decodes and re-encodes JSON (cjson would turn `[]` into `{}`). Records
 * written as one JSON string by sealed-session 0.1 are still read, and turned
 * into hashes by their first update.
 *
 * The user index. `prefix + "user:" + user` is a sorted set of the user's
 * session ids, each scored by the time its record expires (ms, server clock;
 * +inf for a record without expiry), kept exact by every script that changes
 * a record: a write prunes expired members and adds or rescores the session,
 * and takes the id out of its previous owner's index when the owner changed;
 * a delete takes it out of its owner's index; listing prunes expired members
 * and those whose record is gone or names another user. The index key
 * expires at its highest score, so it never outlives its members.
 *
 * Every write carries a deadline in the server's clock and is refused (-1)
 * once TIME has passed it: a script that reached Redis late (a stalled
 * server, a slow network) changes nothing after the request answered 503.
 * Scripts read TIME before writing, which Redis 5 and later allow.
 */
export const LIB = `
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
local function owner_of(key)
  local kind = redis.call('TYPE', key).ok
  if kind == 'hash' then
    local user = redis.call('HGET', key, '@u')
    if user and user ~= '' then return user end
  elseif kind == 'string' then
    local ok, record = pcall(cjson.decode, redis.call('GET', key))
    if ok and type(record) == 'table' and type(record.user) == 'string' and record.user ~= '' then return record.user end
  end
  return nil
end
local function set_ttl(key, ttl)
  if ttl > 0 then redis.call('EXPIRE', key, ttl) else redis.call('PERSIST', key) end
end
`;

/** KEYS: session. The hash as a flat list, a 0.1 JSON string, or nil. */
export const READ_SCRIPT = defineScript(`
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'hash' then return redis.call('HGETALL', KEYS[1]) end
if kind == 'string' then return redis.call('GET', KEYS[1]) end
return false
`);

/**
 * KEYS: session[, owner's index]. ARGV: deadline, ttl (0 = none), id, prefix,
 * createdAt, owner ('' = none), then field/value pairs.
 * 1 created, 0 exists, -1 too late.
 */
export const CREATE_SCRIPT = defineScript(`${LIB}
local now = now_ms()
if now > tonumber(ARGV[1]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local args = {'@c', ARGV[5]}
if ARGV[6] ~= '' then args[#args + 1] = '@u' args[#args + 1] = ARGV[6] end
for i = 7, #ARGV do args[#args + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(args))
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
if KEYS[2] then index(KEYS[2], ARGV[3], ttl, now) end
return 1
`);

/**
 * KEYS: session[, new owner's index]. ARGV: deadline, ttl (0 = none), id,
 * prefix, owner change ('=' keep, '+' set, '-' remove), owner, count of set
 * fields, then that many field/value pairs, then the fields to delete.
 * The merged hash, or 0 when absent, -1 too late, -2 a 0.1 record to convert first.
 */
export const UPDATE_SCRIPT = defineScript(`${LIB}
local now = now_ms()
if now > tonumber(ARGV[1]) then return -1 end
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then return -2 end
if kind ~= 'hash' then return 0 end
local before = redis.call('HGET', KEYS[1], '@u') or nil
local count = tonumber(ARGV[7])
if count > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 8, 7 + 2 * count)) end
if #ARGV >= 8 + 2 * count then redis.call('HDEL', KEYS[1], unpack(ARGV, 8 + 2 * count)) end
local after = before
if ARGV[5] == '+' then
  redis.call('HSET', KEYS[1], '@u', ARGV[6])
  after = ARGV[6]
elseif ARGV[5] == '-' then
  redis.call('HDEL', KEYS[1], '@u')
  after = nil
end
local ttl = tonumber(ARGV[2])
set_ttl(KEYS[1], ttl)
if before and before ~= after then unindex(ARGV[4] .. 'user:' .. before, ARGV[3], now) end
if after then index(ARGV[4] .. 'user:' .. after, ARGV[3], ttl, now) end
return redis.call('HGETALL', KEYS[1])
`);

/**
 * KEYS: session. ARGV: the 0.1 JSON string as read, then the hash's
 * field/value pairs. Replaces the string by the hash, keeping its TTL, only if
 * the string is unchanged. 1 converted, 0 changed meanwhile.
 */
export const CONVERT_SCRIPT = defineScript(`
if redis.call('TYPE', KEYS[1]).ok ~= 'string' or redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local pttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if pttl > 0 then redis.call('PEXPIRE', KEYS[1], pttl) end
return 1
`);

/** KEYS: session. ARGV: deadline, id, prefix. 1 deleted, 0 absent, -1 too late. */
export const DELETE_SCRIPT = defineScript(`${LIB}
if now_ms() > tonumber(ARGV[1]) then return -1 end
local user = owner_of(KEYS[1])
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
if user then unindex(ARGV[3] .. 'user:' .. user, ARGV[2], now_ms()) end
return 1
`);

/** KEYS: user index. ARGV: user, prefix. Prunes, then returns the ids whose record still names the user. */
export const LIST_SCRIPT = defineScript(`${LIB}
prune(KEYS[1], now_ms())
local live = {}
local gone = false
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if owner_of(ARGV[2] .. id) == ARGV[1] then live[#live + 1] = id
  else redis.call('ZREM', KEYS[1], id) gone = true end
end
if gone then expire_with_members(KEYS[1]) end
return live
`);
