/**
 * redisStore's Redis Cluster path (redis-cluster.ts and its scripts) on the
 * shared single Redis: a client that says it is a cluster makes the store
 * use the one-key scripts, the write-ahead index and the checked listing,
 * which run unchanged on one node. What only a real cluster shows (keys on
 * different shards, failover) is in redis-cluster.test.ts, which starts six
 * servers of its own; this suite shows the same logic in milliseconds.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_REDIS_OPTIONS,
  type RedisClientLike,
  type RedisStore,
  redisStore,
  type StoredSession,
} from "../../src/index.ts";
import { INDEX_SLACK_MS } from "../../src/store/redis-cluster-scripts.ts";
import { testStore } from "./conformance.ts";
import { redisUrlOrSkip, uniquePrefix } from "./redis-env.ts";
import { deleteKeys } from "./redis-helpers.ts";

const url = await redisUrlOrSkip();
const soon = () => ({ deadline: Date.now() + 2000 });
const record = (id: string, data: Record<string, unknown> = {}, user?: string): StoredSession => ({
  id,
  createdAt: 1_700_000_000_123,
  data,
  ...(user === undefined ? {} : { user }),
});

/** A single-node client the store takes for a cluster (it then uses only one-key scripts). */
function asCluster(client: Redis): RedisClientLike {
  return {
    isCluster: true,
    get status() {
      return client.status;
    },
    call: (command, ...args) => client.call(command, ...args),
    once: (event, listener) => client.once(event, listener),
    removeListener: (event, listener) => client.removeListener(event, listener),
    pipeline: () => client.pipeline() as unknown as ReturnType<NonNullable<RedisClientLike["pipeline"]>>,
  };
}

describe.skipIf(!url)("the Redis Cluster path, on one node", () => {
  const redisUrl = url as string;
  const clients: Redis[] = [];
  let admin: Redis;
  const connect = () => {
    const client = new Redis(redisUrl, { ...DEFAULT_REDIS_OPTIONS });
    clients.push(client);
    return client;
  };
  beforeAll(() => {
    // Queues while it connects, unlike the store's clients.
    admin = new Redis(redisUrl);
    clients.push(admin);
  });
  afterAll(async () => {
    for (const client of clients) await client.quit().catch(() => client.disconnect());
  });

  testStore("redis cluster path", () => {
    const prefix = uniquePrefix("cluster-path");
    const store = redisStore({ client: asCluster(connect()), prefix });
    const count = async () =>
      (await admin.keys(`${prefix}*`)).filter((key) => !key.startsWith(`${prefix}user:`)).length;
    return { store, count, atomicMerge: true, cleanup: () => deleteKeys(admin, prefix) };
  });

  describe("the user index", () => {
    const prefix = uniquePrefix("cluster-index");
    let store: RedisStore;
    beforeAll(() => {
      store = redisStore({ client: asCluster(connect()), prefix });
    });
    afterAll(() => deleteKeys(admin, prefix));
    const index = (user: string) => `${prefix}user:${user}`;
    const members = async (user: string) => (await admin.zrange(index(user), 0, -1)).sort();

    it("is written ahead of the record, scored past its expiry with slack, and the index outlives it", async () => {
      const before = Date.now();
      expect(await store.create(record("ix-1", { a: 1 }, "ada"), 120, soon())).toBe(true);
      const score = Number(await admin.zscore(index("ada"), "ix-1"));
      expect(score).toBeGreaterThanOrEqual(before + 120_000 + INDEX_SLACK_MS - 1000);
      expect(score).toBeLessThanOrEqual(Date.now() + 120_000 + INDEX_SLACK_MS + 1000);
      const pttl = await admin.pttl(index("ada"));
      expect(pttl).toBeGreaterThan(120_000 + INDEX_SLACK_MS - 5000);
      expect(pttl).toBeLessThanOrEqual(120_000 + INDEX_SLACK_MS);
      expect(await admin.hgetall(`${prefix}ix-1`)).toEqual({ "@c": "1700000000123", "@u": "ada", ".a": "1" });
      expect(await admin.ttl(`${prefix}ix-1`)).toBeGreaterThan(110);
      // A record without expiry keeps its index for good.
      expect(await store.create(record("ix-2", {}, "ada"), undefined, soon())).toBe(true);
      expect(await admin.zscore(index("ada"), "ix-2")).toBe("inf");
      expect(await admin.pttl(index("ada"))).toBe(-1);
      expect(await store.listByUser("ada")).toEqual(["ix-1", "ix-2"].sort());
      // A shorter ttl later never shortens an index that has to last for good.
      expect(await store.create(record("ix-3", {}, "ada"), 5, soon())).toBe(true);
      expect(await admin.pttl(index("ada"))).toBe(-1);
    });

    it("follows a change of owner, a removal of the owner and a delete, taking the id out at once", async () => {
      expect(await store.create(record("own-1", { a: 1 }, "bea"), 60, soon())).toBe(true);
      const moved = await store.update("own-1", { set: {}, unset: [], user: "cy" }, 60, soon());
      expect(moved).toEqual(record("own-1", { a: 1 }, "cy"));
      expect(await members("bea")).toEqual([]);
      expect(await members("cy")).toEqual(["own-1"]);
      expect(await store.update("own-1", { set: { b: 2 }, unset: ["a"], user: null }, 60, soon())).toEqual(
        record("own-1", { b: 2 }),
      );
      expect(await members("cy")).toEqual([]);
      await store.update("own-1", { set: {}, unset: [], user: "dan" }, 60, soon());
      expect(await members("dan")).toEqual(["own-1"]);
      expect(await store.delete("own-1", soon())).toBe(true);
      expect(await members("dan")).toEqual([]);
      expect(await store.delete("own-1", soon())).toBe(false);
    });

    it("a create that finds the id taken drops its write-ahead, unless the record is the user's own", async () => {
      expect(await store.create(record("taken-1", {}, "eve"), 60, soon())).toBe(true);
      expect(await store.create(record("taken-1", {}, "fay"), 60, soon())).toBe(false);
      expect(await members("fay")).toEqual([]);
      expect(await store.create(record("taken-1", {}, "eve"), 60, soon())).toBe(false);
      expect(await members("eve")).toEqual(["taken-1"]);
      expect(await admin.hget(`${prefix}taken-1`, "@u")).toBe("eve");
    });

    it("an update of a missing session drops the id it indexed ahead, and answers undefined", async () => {
      expect(await store.update("gone-1", { set: { a: 1 }, unset: [], user: "gil" }, 60, soon())).toBeUndefined();
      expect(await members("gil")).toEqual([]);
      expect(await admin.exists(`${prefix}gone-1`)).toBe(0);
      expect(await store.update("gone-1", { set: { a: 1 }, unset: [] }, 60, soon())).toBeUndefined();
    });

    it("an update whose owner changed behind the store's back indexes the owner it has now (-3, then again)", async () => {
      expect(await store.create(record("race-1", { a: 1 }, "hal"), 60, soon())).toBe(true);
      expect(await store.get("race-1")).toEqual(record("race-1", { a: 1 }, "hal"));
      // Another process moves the record to "ivy" without this store seeing it.
      await admin.hset(`${prefix}race-1`, "@u", "ivy");
      const merged = await store.update("race-1", { set: { b: 2 }, unset: [] }, 60, soon());
      expect(merged).toEqual(record("race-1", { a: 1, b: 2 }, "ivy"));
      expect(await members("ivy")).toEqual(["race-1"]);
      // The guess "hal" was written ahead and then dropped.
      expect(await members("hal")).toEqual([]);
      expect(await store.listByUser("ivy")).toEqual(["race-1"]);
    });

    it("an update of an unowned session indexes nobody; a read of a gone one forgets its owner", async () => {
      expect(await store.create(record("anon-1", { a: 1 }), 60, soon())).toBe(true);
      expect(await store.update("anon-1", { set: { a: 2 }, unset: [] }, 60, soon())).toEqual(
        record("anon-1", { a: 2 }),
      );
      expect(await admin.keys(`${prefix}user:*`)).not.toContain(`${prefix}user:`);
      expect(await store.create(record("seen-1", {}, "jo"), 60, soon())).toBe(true);
      await admin.del(`${prefix}seen-1`);
      expect(await store.get("seen-1")).toBeUndefined();
      await admin.hset(`${prefix}seen-1`, "@c", "1700000000123", "@u", "kim");
      expect(await store.update("seen-1", { set: { n: 1 }, unset: [] }, 60, soon())).toEqual(
        record("seen-1", { n: 1 }, "kim"),
      );
      expect(await members("kim")).toEqual(["seen-1"]);
    });

    it("lists only ids whose record names the user, and removes the others from the index", async () => {
      expect(await store.create(record("list-1", {}, "lu"), 60, soon())).toBe(true);
      expect(await store.create(record("list-2", {}, "mo"), 60, soon())).toBe(true);
      // Left behind by a crash between two scripts: an id of another user's record, and one with no record.
      await admin.zadd(index("lu"), "+inf", "list-2", "+inf", "list-ghost");
      expect(await store.listByUser("lu")).toEqual(["list-1"]);
      expect(await members("lu")).toEqual(["list-1"]);
      expect(await store.listByUser("nobody")).toEqual([]);
    });

    it("converts a 0.1 record (one JSON string) on its first update", async () => {
      const legacy = record("old-1", { cart: [], theme: "dark" }, "ned");
      await admin.set(`${prefix}old-1`, JSON.stringify(legacy), "EX", 600);
      expect(await store.get("old-1")).toEqual(legacy);
      const merged = await store.update("old-1", { set: { n: 1 }, unset: ["theme"] }, 600, soon());
      expect(merged).toEqual({ ...legacy, data: { cart: [], n: 1 } });
      expect(await admin.type(`${prefix}old-1`)).toBe("hash");
      expect(await members("ned")).toEqual(["old-1"]);
    });

    it("refuses writes past their deadline, on the record and on the index", async () => {
      const late = { deadline: Date.now() - 1 };
      await expect(store.create(record("late-1", {}, "oz"), 60, late)).rejects.toThrow(/after its deadline/);
      await expect(store.update("late-1", { set: {}, unset: [], user: "oz" }, 60, late)).rejects.toThrow(
        /after its deadline/,
      );
      expect(await admin.exists(`${prefix}late-1`, index("oz"))).toBe(0);
    });
  });
});
