/**
 * redisStore on a real Redis Cluster of this test's own (3 masters, 3
 * replicas, free ports): the conformance suite, how keys spread, exact user
 * listings, and a failover under load.
 */
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_REDIS_OPTIONS,
  listUserSessions,
  type RedisStore,
  redisStore,
  revokeUserSessions,
  type SessionConfig,
} from "../../src/index.ts";
import { testStore } from "./conformance.ts";
import { keysOn, type PrivateCluster, startPrivateCluster } from "./redis-cluster-server.ts";
import { redisServerOrSkip, uniquePrefix } from "./redis-env.ts";

const canRun = redisServerOrSkip();
const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const soon = () => ({ deadline: Date.now() + 2000 });

describe.skipIf(!canRun)("on a real Redis Cluster (3 masters, 3 replicas)", () => {
  let cluster: PrivateCluster;
  const nodes = () => cluster.nodes.map((node) => ({ host: "127.0.0.1", port: node.port }));
  beforeAll(async () => {
    cluster = await startPrivateCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  testStore("redis cluster", () => {
    const prefix = uniquePrefix("cluster");
    const store = redisStore({ cluster: nodes(), prefix });
    const count = async () => {
      let total = 0;
      for (const port of await cluster.masters()) {
        total += (await keysOn(port, prefix)).filter((key) => !key.startsWith(`${prefix}user:`)).length;
      }
      return total;
    };
    return { store, count, atomicMerge: true, cleanup: () => store.close() };
  });

  describe("3,000 sessions of 300 users", () => {
    const prefix = uniquePrefix("spread");
    let store: RedisStore;
    let config: SessionConfig;
    const expected = new Map<string, Set<string>>();
    beforeAll(async () => {
      store = redisStore({ cluster: nodes(), prefix });
      config = { password, store, userId: (data) => data.user as string | undefined };
      for (let batch = 0; batch < 3000; batch += 300) {
        await Promise.all(
          Array.from({ length: 300 }, async (_, k) => {
            const i = batch + k;
            const user = `user-${i % 300}`;
            const id = `${crypto.randomUUID()}-${i}`;
            expect(await store.create({ id, createdAt: Date.now(), data: { user, i }, user }, 600, soon())).toBe(true);
            const ids = expected.get(user) ?? new Set<string>();
            expected.set(user, ids.add(id));
          }),
        );
      }
    }, 60_000);
    afterAll(() => store?.close());

    it("spreads them: every master holds between 20 % and 45 % of the keys", async () => {
      const masters = await cluster.masters();
      expect(masters).toHaveLength(3);
      const counts = await Promise.all(masters.map(async (port) => (await keysOn(port, prefix)).length));
      const total = counts.reduce((a, b) => a + b, 0);
      expect(total).toBe(3000 + 300); // the sessions and one index per user
      console.log(`[cluster] keys per master: ${counts.map((c) => `${((100 * c) / total).toFixed(1)} %`).join(", ")}`);
      for (const count of counts) {
        expect(count / total).toBeGreaterThanOrEqual(0.2);
        expect(count / total).toBeLessThanOrEqual(0.45);
      }
    });

    it("lists every user's sessions exactly, after deletes and changes of owner, and revokes them all", async () => {
      // Change the picture first: for each of the first 30 users, delete one session and hand one to the next user.
      for (let u = 0; u < 30; u++) {
        const [gone, moved] = [...(expected.get(`user-${u}`) ?? [])];
        await store.delete(gone!, soon());
        const next = `user-${u + 1}`;
        await store.update(moved!, { set: {}, unset: [], user: next }, 600, soon());
        expected.get(`user-${u}`)?.delete(gone!);
        expected.get(`user-${u}`)?.delete(moved!);
        expected.get(next)?.add(moved!);
      }
      // The indexes themselves, read before any listing could clean them.
      const admin = new Cluster(nodes());
      for (const [user, ids] of expected) {
        expect((await admin.zrange(`${prefix}user:${user}`, 0, -1)).sort(), user).toEqual([...ids].sort());
      }
      admin.disconnect();
      for (const [user, ids] of expected) {
        expect((await store.listByUser(user)).sort(), user).toEqual([...ids].sort());
      }
      for (const [user, ids] of expected) {
        const listed = await listUserSessions(config, user);
        expect(listed.map((session) => session.id).sort()).toEqual([...ids].sort());
        expect(await revokeUserSessions(config, user)).toBe(ids.size);
        expect(await store.listByUser(user)).toEqual([]);
      }
      for (const port of await cluster.masters()) expect(await keysOn(port, prefix)).toEqual([]);
    }, 60_000);
  });

  it("an update from a process that saw an older owner still leaves the id in the current owner's index", async () => {
    const prefix = uniquePrefix("owners");
    const [one, two] = [redisStore({ cluster: nodes(), prefix }), redisStore({ cluster: nodes(), prefix })];
    const [ann, bob, cat] = ["ann", "bob", "cat"].map((name) => `${name}-${crypto.randomUUID()}`) as [
      string,
      string,
      string,
    ];
    await one.create({ id: "moving", createdAt: 1, data: { v: 0 }, user: ann }, 60, soon());
    await one.create({ id: "untagged", createdAt: 1, data: { v: 0 } }, 60, soon());
    // Process one saw the owners as they were…
    expect((await one.get("moving"))?.user).toBe(ann);
    expect((await one.get("untagged"))?.user).toBeUndefined();
    // …then process two changed them…
    await two.update("moving", { set: {}, unset: [], user: bob }, 60, soon());
    await two.update("untagged", { set: {}, unset: [], user: cat }, 60, soon());
    // …and one updates with what it saw: the writes land, and the listings follow the real owners.
    expect(await one.update("moving", { set: { v: 1 }, unset: [] }, 600, soon())).toMatchObject({ user: bob });
    expect(await one.update("untagged", { set: { v: 1 }, unset: [] }, 600, soon())).toMatchObject({ user: cat });
    expect(await one.listByUser(bob)).toEqual(["moving"]);
    expect(await one.listByUser(cat)).toEqual(["untagged"]);
    expect(await one.listByUser(ann)).toEqual([]);
    // The indexes outlive the renewed records (600 s), so the listings stay right until they expire.
    const admin = new Cluster(nodes());
    for (const user of [bob, cat]) expect(await admin.pttl(`${prefix}user:${user}`)).toBeGreaterThan(595_000);
    admin.disconnect();
    await Promise.all([one.close(), two.close()]);
  });

  it("keeps each user's index exact right after a delete or a change of owner, with no listing in between", async () => {
    const prefix = uniquePrefix("exact");
    const [one, two] = [redisStore({ cluster: nodes(), prefix }), redisStore({ cluster: nodes(), prefix })];
    const admin = new Cluster(nodes());
    /** The ids in a user's index, read straight from the sorted set. */
    const indexed = async (user: string) => (await admin.zrange(`${prefix}user:${user}`, 0, -1)).sort();
    const [ann, bob, cat] = ["ann", "bob", "cat"].map((name) => `${name}-${crypto.randomUUID()}`) as [
      string,
      string,
      string,
    ];
    for (const id of ["s1", "s2", "s3"]) await one.create({ id, createdAt: 1, data: {}, user: ann }, 60, soon());
    await one.create({ id: "s4", createdAt: 1, data: {} }, 60, soon());
    expect(await indexed(ann)).toEqual(["s1", "s2", "s3"]);

    await one.delete("s1", soon());
    expect(await indexed(ann)).toEqual(["s2", "s3"]);
    await one.update("s2", { set: {}, unset: [], user: bob }, 60, soon());
    expect([await indexed(ann), await indexed(bob)]).toEqual([["s3"], ["s2"]]);
    await one.update("s3", { set: {}, unset: [], user: null }, 60, soon());
    expect(await indexed(ann)).toEqual([]);
    expect(await admin.exists(`${prefix}user:${ann}`)).toBe(0);
    await one.update("s4", { set: {}, unset: [], user: ann }, 60, soon());
    expect(await indexed(ann)).toEqual(["s4"]);

    // A process that last saw bob as the owner writes after another gave the session to cat.
    expect((await two.get("s2"))?.user).toBe(bob);
    await one.update("s2", { set: {}, unset: [], user: cat }, 60, soon());
    expect(await two.update("s2", { set: { v: 1 }, unset: [] }, 60, soon())).toMatchObject({ user: cat });
    expect([await indexed(bob), await indexed(cat)]).toEqual([[], ["s2"]]);

    // Parallel changes of owner from two processes: afterwards only the final owner's index holds the id.
    const owners = [ann, bob, cat];
    for (const id of ["r1", "r2", "r3"]) {
      await one.create({ id, createdAt: 1, data: {}, user: ann }, 60, soon());
      await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          (i % 2 ? one : two).update(id, { set: { [`k${i}`]: i }, unset: [], user: owners[(i * 7) % 3] }, 60, soon()),
        ),
      );
    }
    for (const id of ["r1", "r2", "r3"]) {
      const final = (await one.get(id))?.user as string;
      for (const user of owners)
        expect((await indexed(user)).includes(id), `${id} in ${user}'s index`).toBe(user === final);
    }
    admin.disconnect();
    await Promise.all([one.close(), two.close()]);
  });

  it("works with a Cluster client you own", async () => {
    const prefix = uniquePrefix("owned");
    const client = new Cluster(nodes(), { redisOptions: { ...DEFAULT_REDIS_OPTIONS } });
    const store = redisStore({ client, prefix });
    expect(await store.create({ id: "own-1", createdAt: 1, data: { a: 1 }, user: "u" }, 60, soon())).toBe(true);
    expect(await store.listByUser("u")).toEqual(["own-1"]);
    expect((await store.update("own-1", { set: { b: 2 }, unset: [] }, 60, soon()))?.data).toEqual({ a: 1, b: 2 });
    await store.close();
    expect(client.status).toBe("ready");
    client.disconnect();
  });
});
