/**
 * The Redis Cluster operations (redis-cluster.ts) on a fake context: each
 * script call is recorded and answered by the test, so the order of the
 * index writes, the owner guess, the retries on a changed owner and the
 * repairs after a write can be seen one by one. redis-cluster-path.test.ts
 * runs the same operations with their scripts on the shared Redis.
 */
import { describe, expect, it } from "vitest";
import type { RedisScript } from "../../src/store/redis-client.ts";
import { clusterOperations } from "../../src/store/redis-cluster.ts";
import {
  CLUSTER_CREATE_SCRIPT,
  CLUSTER_DELETE_SCRIPT,
  CLUSTER_INDEX_ADD_SCRIPT,
  CLUSTER_INDEX_DROP_SCRIPT,
  CLUSTER_INDEX_REMOVE_SCRIPT,
  CLUSTER_OWNER_SCRIPT,
  CLUSTER_UPDATE_SCRIPT,
} from "../../src/store/redis-cluster-scripts.ts";
import { fromHash, hashFields } from "../../src/store/redis-hash.ts";

const NAMES = new Map<RedisScript, string>([
  [CLUSTER_CREATE_SCRIPT, "create"],
  [CLUSTER_UPDATE_SCRIPT, "update"],
  [CLUSTER_DELETE_SCRIPT, "delete"],
  [CLUSTER_OWNER_SCRIPT, "owner"],
  [CLUSTER_INDEX_ADD_SCRIPT, "index-add"],
  [CLUSTER_INDEX_DROP_SCRIPT, "index-drop"],
  [CLUSTER_INDEX_REMOVE_SCRIPT, "index-remove"],
]);

type Call = { via: "write" | "run"; script: string; keys: string[]; args: (string | number)[]; deadline?: number };

/** A context whose scripts answer from queues the test fills, by script name. */
function fakeContext() {
  const calls: Call[] = [];
  const answers = new Map<string, unknown[]>();
  const converted: string[] = [];
  const answer = (script: string) => {
    const queue = answers.get(script);
    if (!queue || queue.length === 0) throw new Error(`no answer for ${script}`);
    const next = queue.shift();
    if (next instanceof Error) throw next;
    return next;
  };
  const ops = clusterOperations({
    key: (id) => `s:${id}`,
    userKey: (user) => `s:user:${user}`,
    write: async (_what, script, keys, args, deadline) => {
      const name = NAMES.get(script) ?? "zrange";
      calls.push({ via: "write", script: name, keys, args, deadline });
      return answer(name);
    },
    run: async (script, keys, args) => {
      const name = NAMES.get(script) ?? "zrange";
      calls.push({ via: "run", script: name, keys, args });
      return answer(name);
    },
    hashFields,
    fromHash,
    convert: async (id) => {
      converted.push(id);
    },
  });
  const set = (script: string, ...values: unknown[]) => {
    answers.set(script, values);
  };
  const trace = () => calls.map((call) => `${call.via}:${call.script}:${call.keys.join(",")}`);
  return { ops, calls, set, trace, converted };
}

const DEADLINE = 1_700_000_002_000;
const NO_DEADLINE = Number.MAX_SAFE_INTEGER;
const record = (id: string, user?: string) => ({
  id,
  createdAt: 1_700_000_000_123,
  data: { a: 1 },
  ...(user === undefined ? {} : { user }),
});
const hash = (user?: string) => ["@c", "1700000000123", ...(user ? ["@u", user] : []), ".a", "1"];

describe("cluster create", () => {
  it("indexes the owner ahead of the record, with the ttl, under the write's deadline", async () => {
    const { ops, calls, set, trace } = fakeContext();
    set("index-add", 1);
    set("create", 1);
    expect(await ops.create(record("c1", "ada"), 90.4, DEADLINE)).toBe(true);
    expect(trace()).toEqual(["write:index-add:s:user:ada", "write:create:s:c1"]);
    expect(calls[0]).toMatchObject({ args: ["c1", 91], deadline: DEADLINE });
    expect(calls[1]).toMatchObject({ args: [91, 1_700_000_000_123, "ada", ".a", "1"], deadline: DEADLINE });
  });

  it("writes an unowned record with no index and no ttl", async () => {
    const { ops, calls, set, trace } = fakeContext();
    set("create", 1);
    expect(await ops.create(record("c2"), undefined, DEADLINE)).toBe(true);
    expect(trace()).toEqual(["write:create:s:c2"]);
    expect(calls[0]?.args).toEqual([0, 1_700_000_000_123, "", ".a", "1"]);
    set("create", 0);
    expect(await ops.create(record("c2"), undefined, DEADLINE)).toBe(false);
    expect(trace()).toHaveLength(2);
  });

  it("when the id is taken, drops the write-ahead, then puts it back if the record is the user's after all", async () => {
    const { ops, calls, set, trace } = fakeContext();
    set("index-add", 1, 1);
    set("create", 0);
    set("index-drop", 1);
    set("owner", ["ada", 42_001]);
    expect(await ops.create(record("c3", "ada"), 60, DEADLINE)).toBe(false);
    expect(trace()).toEqual([
      "write:index-add:s:user:ada",
      "write:create:s:c3",
      "run:index-drop:s:user:ada",
      "run:owner:s:c3",
      "run:index-add:s:user:ada",
    ]);
    // The repair has no deadline (the write landed) and the record's own ttl, rounded up.
    expect(calls[4]?.args).toEqual([NO_DEADLINE, "c3", 43]);
  });

  it("leaves the id out when the record has another owner or none, and keeps 0 for a record without ttl", async () => {
    for (const [owner, expected] of [
      [["bob", 5000], 4],
      [["", 5000], 4],
      [false, 4],
      [["ada", -1], 5],
    ] as const) {
      const { ops, calls, set } = fakeContext();
      set("index-add", 1, 1);
      set("create", 0);
      set("index-drop", 1);
      set("owner", owner);
      expect(await ops.create(record("c4", "ada"), 60, DEADLINE)).toBe(false);
      expect(calls).toHaveLength(expected);
      if (expected === 5) expect(calls[4]?.args).toEqual([NO_DEADLINE, "c4", 0]);
    }
  });

  it("never fails a write over its clean-up", async () => {
    const { ops, set } = fakeContext();
    set("index-add", 1, new Error("MOVED"));
    set("create", 0, 0);
    set("index-drop", new Error("CLUSTERDOWN"), 1);
    set("owner", ["ada", 1000]);
    expect(await ops.create(record("c5", "ada"), 60, DEADLINE)).toBe(false);
    // The drop worked, the repair failed: still only false.
    set("index-add", 1, new Error("TRYAGAIN"));
    expect(await ops.create(record("c5", "ada"), 60, DEADLINE)).toBe(false);
  });
});

describe("cluster update", () => {
  it("keeps the owner it saw on a read: indexes it ahead and expects it, without reading the owner", async () => {
    const { ops, calls, set, trace } = fakeContext();
    ops.seen("u1", record("u1", "ada"));
    set("index-add", 1);
    set("update", ["ada", ...hash("ada")]);
    expect(await ops.update("u1", { set: { a: 1 }, unset: ["b"] }, 60, DEADLINE)).toEqual(record("u1", "ada"));
    expect(trace()).toEqual(["write:index-add:s:user:ada", "write:update:s:u1"]);
    expect(calls[1]?.args).toEqual([60, "=", "", "ada", 1, ".a", "1", ".b"]);
  });

  it("expects no owner for a session it saw unowned, and reads the owner of one it has not seen", async () => {
    const { ops, calls, set, trace } = fakeContext();
    ops.seen("u2", record("u2"));
    set("update", ["", ...hash()], ["", ...hash()]);
    expect(await ops.update("u2", { set: {}, unset: [] }, undefined, DEADLINE)).toEqual(record("u2"));
    expect(trace()).toEqual(["write:update:s:u2"]);
    expect(calls[0]?.args).toEqual([0, "=", "", "", 0]);
    set("owner", ["", -1]);
    expect(await ops.update("u3", { set: {}, unset: [] }, undefined, DEADLINE)).toEqual(record("u3"));
    expect(trace().slice(1)).toEqual(["run:owner:s:u3", "write:update:s:u3"]);
  });

  it("answers undefined without writing when there is no record to update", async () => {
    const { ops, set, trace } = fakeContext();
    set("owner", false);
    expect(await ops.update("u4", { set: { a: 2 }, unset: [] }, 60, DEADLINE)).toBeUndefined();
    expect(trace()).toEqual(["run:owner:s:u4"]);
  });

  it("a read that found nothing forgets the owner it knew", async () => {
    const { ops, set, trace } = fakeContext();
    ops.seen("u5", record("u5", "ada"));
    ops.seen("u5", undefined);
    set("owner", false);
    expect(await ops.update("u5", { set: {}, unset: [] }, 60, DEADLINE)).toBeUndefined();
    expect(trace()).toEqual(["run:owner:s:u5"]);
  });

  it("retries with the owner read now when the one it expected was wrong (-3), dropping the wrong write-ahead", async () => {
    const { ops, calls, set, trace } = fakeContext();
    ops.seen("u6", record("u6", "ada"));
    set("index-add", 1, 1);
    set("update", -3, ["bob", ...hash("bob")]);
    set("index-drop", 1);
    set("owner", ["bob", 10_000], ["bob", 10_000]);
    expect(await ops.update("u6", { set: {}, unset: [] }, 60, DEADLINE)).toEqual(record("u6", "bob"));
    expect(trace()).toEqual([
      "write:index-add:s:user:ada",
      "write:update:s:u6",
      "run:index-drop:s:user:ada",
      "run:owner:s:u6",
      "run:owner:s:u6",
      "write:index-add:s:user:bob",
      "write:update:s:u6",
    ]);
    expect(calls[6]?.args.slice(0, 4)).toEqual([60, "=", "", "bob"]);
    // The owner it learnt is used next time: no read.
    set("index-add", 1);
    set("update", ["bob", ...hash("bob")]);
    await ops.update("u6", { set: {}, unset: [] }, 60, DEADLINE);
    expect(trace().slice(7)).toEqual(["write:index-add:s:user:bob", "write:update:s:u6"]);
  });

  it("gives up after 5 changes of owner in a row", async () => {
    const { ops, set } = fakeContext();
    set("owner", ...Array.from({ length: 10 }, (_, i) => [`u${i}`, 1000]));
    set("index-add", ...Array.from({ length: 5 }, () => 1));
    set("index-drop", ...Array.from({ length: 5 }, () => 1));
    set("update", -3, -3, -3, -3, -3, ["u9", ...hash("u9")]);
    await expect(ops.update("u7", { set: {}, unset: [] }, 60, DEADLINE)).rejects.toThrow(
      expect.objectContaining({
        code: "ERR_STORE_UNAVAILABLE",
        message: "session store: the owner kept changing during an update",
      }),
    );
  });

  it("sets a new owner: indexed ahead, again after the write, and out of the previous owner's index", async () => {
    const { ops, calls, set, trace } = fakeContext();
    set("index-add", 1, 1);
    set("update", ["ada", ...hash("bob")]);
    set("index-drop", 1);
    set("owner", ["bob", 1000]);
    expect(await ops.update("u8", { set: {}, unset: [], user: "bob" }, 30, DEADLINE)).toEqual(record("u8", "bob"));
    expect(trace()).toEqual([
      "write:index-add:s:user:bob",
      "write:update:s:u8",
      "run:index-add:s:user:bob",
      "run:index-drop:s:user:ada",
      "run:owner:s:u8",
    ]);
    expect(calls[1]?.args.slice(0, 4)).toEqual([30, "+", "bob", "*"]);
    expect(calls[2]?.args).toEqual([NO_DEADLINE, "u8", 30]);
  });

  it("removes the owner: no write-ahead, and out of the previous owner's index", async () => {
    const { ops, calls, set, trace } = fakeContext();
    set("update", ["ada", ...hash()]);
    set("index-drop", 1);
    set("owner", ["", 1000]);
    expect(await ops.update("u9", { set: {}, unset: [], user: null }, 30, DEADLINE)).toEqual(record("u9"));
    expect(trace()).toEqual(["write:update:s:u9", "run:index-drop:s:user:ada", "run:owner:s:u9"]);
    expect(calls[0]?.args.slice(0, 4)).toEqual([30, "-", "", "*"]);
  });

  it("keeps the previous owner's index when the owner stayed the same", async () => {
    const { ops, set, trace } = fakeContext();
    set("index-add", 1, 1);
    set("update", ["bob", ...hash("bob")]);
    await ops.update("u10", { set: {}, unset: [], user: "bob" }, 30, DEADLINE);
    expect(trace()).toEqual(["write:index-add:s:user:bob", "write:update:s:u10", "run:index-add:s:user:bob"]);
  });

  it("converts a 0.1 record (-2) and writes again", async () => {
    const { ops, set, trace, converted } = fakeContext();
    ops.seen("u11", record("u11"));
    set("update", -2, ["", ...hash()]);
    expect(await ops.update("u11", { set: {}, unset: [] }, 30, DEADLINE)).toEqual(record("u11"));
    expect(converted).toEqual(["u11"]);
    expect(trace()).toEqual(["write:update:s:u11", "write:update:s:u11"]);
  });

  it("a session gone during the update (0) drops the write-ahead and is forgotten", async () => {
    const { ops, set, trace } = fakeContext();
    ops.seen("u12", record("u12", "ada"));
    set("index-add", 1);
    set("update", 0);
    set("index-drop", 1);
    set("owner", false, false);
    expect(await ops.update("u12", { set: {}, unset: [] }, 30, DEADLINE)).toBeUndefined();
    expect(await ops.update("u12", { set: {}, unset: [] }, 30, DEADLINE)).toBeUndefined();
    expect(trace()).toEqual([
      "write:index-add:s:user:ada",
      "write:update:s:u12",
      "run:index-drop:s:user:ada",
      "run:owner:s:u12",
      "run:owner:s:u12",
    ]);
  });

  it("forgets the owner of a record that did not decode", async () => {
    const { ops, set, trace } = fakeContext();
    ops.seen("u13", record("u13", "ada"));
    set("index-add", 1);
    set("update", ["ada", "@c", "not a time"]);
    set("index-drop", 1);
    set("owner", false, false);
    expect(await ops.update("u13", { set: {}, unset: [] }, 30, DEADLINE)).toBeUndefined();
    expect(await ops.update("u13", { set: {}, unset: [] }, 30, DEADLINE)).toBeUndefined();
    expect(trace().at(-1)).toBe("run:owner:s:u13");
  });
});

describe("cluster delete and listing", () => {
  it("deletes without an index for an unowned record, and out of its owner's index otherwise", async () => {
    const { ops, calls, set, trace } = fakeContext();
    set("delete", [1, ""], [1, "ada"], 0);
    set("index-drop", 1);
    set("owner", false);
    expect(await ops.delete("d1", DEADLINE)).toBe(true);
    expect(await ops.delete("d2", DEADLINE)).toBe(true);
    expect(await ops.delete("d3", DEADLINE)).toBe(false);
    expect(trace()).toEqual([
      "write:delete:s:d1",
      "write:delete:s:d2",
      "run:index-drop:s:user:ada",
      "run:owner:s:d2",
      "write:delete:s:d3",
    ]);
    expect(calls[0]).toMatchObject({ args: [], deadline: DEADLINE });
  });

  it("a delete forgets the owner it knew", async () => {
    const { ops, set, trace } = fakeContext();
    ops.seen("d4", record("d4", "ada"));
    set("delete", 0);
    set("owner", false);
    await ops.delete("d4", DEADLINE);
    await ops.update("d4", { set: {}, unset: [] }, 30, DEADLINE);
    expect(trace()).toEqual(["write:delete:s:d4", "run:owner:s:d4"]);
  });

  it("lists the ids whose record names the user, removing the others at the score it read", async () => {
    const { ops, calls, set, trace } = fakeContext();
    set("zrange", ["l1", "100", "l2", "inf", "l3", "200"]);
    set("owner", ["ada", 1000], ["bob", 1000], false);
    set("index-remove", 1, 1);
    expect(await ops.listByUser("ada")).toEqual(["l1"]);
    expect(trace()).toEqual([
      "run:zrange:s:user:ada",
      "run:owner:s:l1",
      "run:owner:s:l2",
      "run:owner:s:l3",
      "run:index-remove:s:user:ada",
      "run:index-remove:s:user:ada",
    ]);
    expect(calls.slice(4).map((call) => call.args)).toEqual([
      ["l2", "inf"],
      ["l3", "200"],
    ]);
    set("zrange", []);
    expect(await ops.listByUser("ada")).toEqual([]);
  });
});
