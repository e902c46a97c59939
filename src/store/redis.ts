import { configError } from "../errors.ts";
import { lateWrite } from "./call.ts";
import { patchFields, toFields } from "./fields.ts";
import { assertStoreId, assertStoreUser, decodeRecord, wholeSeconds } from "./record.ts";
import {
  closeClient,
  createRedisClient,
  createRedisCluster,
  firstReady,
  type RedisClientLike,
  type RedisClusterNode,
  type RedisConnectionOptions,
  type RedisScript,
  runScript,
  waitForReplicas,
} from "./redis-client.ts";
import { clusterOperations } from "./redis-cluster.ts";
import { fromHash, hashFields, toHash } from "./redis-hash.ts";
import {
  CONVERT_SCRIPT,
  CREATE_SCRIPT,
  DELETE_SCRIPT,
  LIST_SCRIPT,
  READ_SCRIPT,
  UPDATE_SCRIPT,
} from "./redis-scripts.ts";
import { ServerClock } from "./server-clock.ts";
import type { SessionStore, StoredSession } from "./types.ts";

/**
 * Default key prefix of {@link redisStore}.
 *
 * @example
 * await redis.get(`${DEFAULT_REDIS_PREFIX}${session.id}`); // the record, as JSON
 */
export const DEFAULT_REDIS_PREFIX = "sealed-session:";

/**
 * Options of {@link redisStore}: a `client` you own (an ioredis `Redis` or
 * `Cluster`), a `url` for a client the store creates, or `cluster` nodes for
 * a `Cluster` the store creates; exactly one of the three.
 *
 * @example
 * const options: RedisStoreOptions = { url: "redis://127.0.0.1:6379", prefix: "myapp:sess:" };
 * const sharded: RedisStoreOptions = { cluster: ["redis://10.0.0.1:6379", "redis://10.0.0.2:6379"], replicas: 1 };
 */
export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster` (create it with {@link DEFAULT_REDIS_OPTIONS}). The store never closes it. */
  client?: RedisClientLike;
  /** `redis://…` URL; the store creates (and `close()` closes) an ioredis client with {@link DEFAULT_REDIS_OPTIONS}. */
  url?: string;
  /** Redis Cluster nodes to start from; the store creates (and `close()` closes) an ioredis `Cluster`. */
  cluster?: readonly RedisClusterNode[];
  /** Options over {@link DEFAULT_REDIS_OPTIONS} for the client made from `url` (or for each node of `cluster`). */
  redisOptions?: RedisConnectionOptions;
  /** ioredis `Cluster` options for the cluster made from `cluster` (`scaleReads`, `natMap`…). */
  clusterOptions?: Record<string, unknown>;
  /**
   * Replicas that must acknowledge each write (`WAIT`) before it counts as
   * done; a write they do not acknowledge within the deadline fails with
   * `ERR_STORE_UNAVAILABLE`. Default 0: Redis replicates asynchronously, so a
   * failover can lose the last writes acknowledged by a master.
   */
  replicas?: number;
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
  listByUser(user: string): Promise<string[]>;
  readonly prefix: string;
  /** Closes the client the store created from `url` (a client you passed stays open). */
  close(): Promise<void>;
}

/**
 * The store for more than one process or machine, on ioredis (an optional peer
 * dependency: `npm install ioredis`; Redis 5 or later). A record is a hash
 * with one field per top-level data key, and every write is one atomic
 * script: creation only if absent, updates only if present and merged key by
 * key (parallel requests that change different keys all land), each refused
 * once its deadline has passed on the server's clock, together with the user
 * index. So a session deleted by a logout is never resurrected by a request
 * that was still running, and a write the request gave up on (503) never
 * lands later. A record lives as long as the session (the TTL comes from
 * `maxAge`/`idleTimeout`) and its TTL is renewed when an idle session slides.
 *
 * Sessions tagged with a user (`config.userId`) are indexed in a sorted set
 * per user, scored by each record's expiry: deleting, regenerating or
 * re-tagging a session takes its id out at once, expired ids are pruned on
 * every write and listing, and the index expires with its last member.
 *
 * On Redis Cluster (`cluster: [nodes]`, or a `Cluster` as `client`) sessions
 * spread over the shards by id and indexes by user; every script touches one
 * declared key. The index is then written ahead of the record and checked
 * against the records when listed, so listings stay exact (see the
 * architecture page). Use no hash tag in the prefix: it would put every key
 * on one shard. `replicas: n` makes each write wait (`WAIT`) until n replicas
 * have it, so a failover cannot lose it.
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL!, prefix: "myapp:sess:" });
 * const config: SessionConfig = { password: process.env.SESSION_SECRET!, store, maxAge: 86_400 };
 * // or with a client you manage (import { Redis } from "ioredis"):
 * const client = new Redis(process.env.REDIS_URL!, { ...DEFAULT_REDIS_OPTIONS });
 * const shared = redisStore({ client });
 * // or on Redis Cluster, each write kept by a replica before it counts:
 * const sharded = redisStore({ cluster: [{ host: "10.0.0.1", port: 6379 }], replicas: 1 });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const { url, redisOptions = {}, cluster: nodes } = options;
  if ([options.client, url, nodes].filter((given) => given !== undefined).length !== 1)
    configError("redisStore needs exactly one of client, url or cluster");
  if (nodes !== undefined && (!Array.isArray(nodes) || nodes.length === 0))
    configError("redisStore cluster must be a non-empty array of nodes");
  const replicas = options.replicas ?? 0;
  if (!Number.isInteger(replicas) || replicas < 0) configError("redisStore replicas must be a whole number");
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
  const clock = new ServerClock(async () => {
    const [seconds, micros] = (await (await redis()).call("TIME")) as [string, string];
    return Number(seconds) * 1000 + Number(micros) / 1000;
  });

  async function redis(): Promise<RedisClientLike> {
    if (!client) {
      creating ??=
        nodes === undefined
          ? createRedisClient(url as string, redisOptions)
          : createRedisCluster(nodes, redisOptions, options.clusterOptions ?? {});
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

  /** Runs a write script with its deadline in the server's clock; -1 means it arrived too late. */
  async function write(what: string, script: RedisScript, keys: string[], args: (string | number)[], deadline: number) {
    const client = await redis();
    const serverDeadline = await clock.toServer(deadline);
    const result = await runScript(client, script, keys, [serverDeadline, ...args]);
    if (result === -1) throw lateWrite(what);
    // Only a write that changed something needs its replicas (0 absent or present, -2/-3 retried).
    const changed = result !== 0 && result !== -2 && result !== -3;
    if (replicas > 0 && changed) await waitForReplicas(client, keys[0] as string, replicas, deadline);
    return result;
  }

  /** The cluster path, decided once the client exists (a passed client may be a Cluster). */
  let clusterOps: ReturnType<typeof clusterOperations> | undefined;
  async function onCluster(): Promise<ReturnType<typeof clusterOperations> | undefined> {
    const client = await redis();
    if (!client.isCluster) return undefined;
    clusterOps ??= clusterOperations({
      key,
      userKey,
      write,
      run: async (script, keys, args) => runScript(await redis(), script, keys, args),
      hashFields,
      fromHash,
      convert,
    });
    return clusterOps;
  }

  async function read(id: string): Promise<StoredSession | undefined> {
    const client = await redis();
    // A plain HGETALL for the common case; a 0.1 record (a string) makes it fail, and the script reads either kind.
    const raw = await client.call("HGETALL", key(id)).catch(() => runScript(client, READ_SCRIPT, [key(id)], []));
    if (typeof raw === "string") return decodeRecord(raw, id);
    if (!Array.isArray(raw) || raw.length === 0) return undefined;
    return fromHash(id, raw as string[]);
  }

  /** Turns a record written by 0.1 (one JSON string) into a hash, unless it changed meanwhile. */
  async function convert(id: string): Promise<void> {
    const raw = await runScript(await redis(), READ_SCRIPT, [key(id)], []);
    if (typeof raw !== "string") return;
    const record = decodeRecord(raw, id);
    if (!record) return;
    await runScript(await redis(), CONVERT_SCRIPT, [key(id)], [raw, ...toHash(record)]);
  }

  return {
    name: "redis",
    prefix,
    async get(id) {
      assertStoreId(id);
      const record = await read(id);
      clusterOps?.seen(id, record);
      return record;
    },
    async create(record, ttlSeconds, options) {
      const { id } = record;
      assertStoreId(id);
      const user = assertStoreUser(record.user);
      const cluster = await onCluster();
      if (cluster) return cluster.create(record, ttlSeconds, options.deadline);
      const fields = hashFields(toFields(record.data));
      const ttl = wholeSeconds(ttlSeconds) ?? 0;
      const keys = user === undefined ? [key(id)] : [key(id), userKey(user)];
      const args = [ttl, id, prefix, record.createdAt, user ?? "", ...fields];
      return (await write("create", CREATE_SCRIPT, keys, args, options.deadline)) === 1;
    },
    async update(id, patch, ttlSeconds, options) {
      assertStoreId(id);
      const cluster = await onCluster();
      if (cluster) return cluster.update(id, patch, ttlSeconds, options.deadline);
      const user = patch.user === null || patch.user === undefined ? undefined : assertStoreUser(patch.user);
      const { set, unset } = patchFields(patch);
      const ttl = wholeSeconds(ttlSeconds) ?? 0;
      const change = patch.user === undefined ? "=" : user === undefined ? "-" : "+";
      const keys = user === undefined ? [key(id)] : [key(id), userKey(user)];
      const args = [ttl, id, prefix, change, user ?? "", set.size, ...hashFields(set), ...unset.map((k) => `.${k}`)];
      let result = await write("update", UPDATE_SCRIPT, keys, args, options.deadline);
      if (result === -2) {
        await convert(id);
        result = await write("update", UPDATE_SCRIPT, keys, args, options.deadline);
      }
      return Array.isArray(result) ? fromHash(id, result as string[]) : undefined;
    },
    async delete(id, options) {
      assertStoreId(id);
      const cluster = await onCluster();
      if (cluster) return cluster.delete(id, options.deadline);
      return (await write("delete", DELETE_SCRIPT, [key(id)], [id, prefix], options.deadline)) === 1;
    },
    async listByUser(user) {
      const cluster = await onCluster();
      if (cluster) return cluster.listByUser(user);
      return (await runScript(await redis(), LIST_SCRIPT, [userKey(user)], [user, prefix])) as string[];
    },
    async close() {
      if (options.client || !creating) return;
      await closeClient(await creating);
    },
  };
}
