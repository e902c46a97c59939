/**
 * redisStore's options and its client handling, against a fake ioredis client
 * (no server): the start-up wait, the script calls, the WAIT for replicas, the
 * 0.1-record conversion and closing. The suites that start servers of their
 * own show the same paths against real Redis; these show each branch alone.
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isSessionError, type RedisClientLike, type RedisStoreOptions, redisStore } from "../../src/index.ts";
import {
  closeClient,
  createRedisClient,
  createRedisCluster,
  defineScript,
  firstReady,
  runScript,
  waitForReplicas,
} from "../../src/store/redis-client.ts";
import {
  CONVERT_SCRIPT,
  CREATE_SCRIPT,
  DELETE_SCRIPT,
  READ_SCRIPT,
  UPDATE_SCRIPT,
} from "../../src/store/redis-scripts.ts";

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const SCRIPTS = new Map(
  Object.entries({
    read: READ_SCRIPT,
    create: CREATE_SCRIPT,
    update: UPDATE_SCRIPT,
    convert: CONVERT_SCRIPT,
    delete: DELETE_SCRIPT,
  }).map(([name, script]) => [sha1(script.source), name]),
);

type Answer = (args: (string | number)[]) => unknown;

/** An ioredis client as far as the store sees it: each command answered by the test, every call recorded. */
class FakeRedis extends EventEmitter implements RedisClientLike {
  status: string | undefined;
  readonly calls: [string, ...(string | number)[]][] = [];
  readonly answers = new Map<string, Answer | Answer[]>();
  connect?: () => Promise<void>;
  quit?: () => Promise<unknown>;
  disconnect?: () => void;

  constructor(status?: string) {
    super();
    this.status = status;
    this.answers.set("TIME", () => ["1700000000", "250000"]);
  }

  /** A script's calls name it by what it does, not by its hash. */
  async call(command: string, ...args: (string | number)[]): Promise<unknown> {
    const name = command === "EVALSHA" ? (SCRIPTS.get(String(args[0])) ?? "unknown script") : command;
    this.calls.push([name, ...args]);
    const answer = this.answers.get(name);
    if (answer === undefined) throw new Error(`no answer for ${name}`);
    const next = Array.isArray(answer) ? answer.shift() : answer;
    if (next === undefined) throw new Error(`no more answers for ${name}`);
    return next(args);
  }

  answer(name: string, ...values: unknown[]): this {
    const answers = values.map(
      (value): Answer =>
        () => {
          if (value instanceof Error) throw value;
          return value;
        },
    );
    this.answers.set(name, answers.length === 1 ? (answers[0] as Answer) : answers);
    return this;
  }

  named(name: string) {
    return this.calls.filter(([called]) => called === name);
  }
}

const soon = () => ({ deadline: Date.now() + 2000 });
const record = (id: string, data: Record<string, unknown> = {}, user?: string) => ({
  id,
  createdAt: 1_700_000_000_123,
  data,
  ...(user === undefined ? {} : { user }),
});
const configFails = (options: unknown, message: string) =>
  expect(() => redisStore(options as RedisStoreOptions)).toThrow(
    expect.objectContaining({ code: "ERR_CONFIG", message: `sealed-session: ${message}` }),
  );

afterEach(() => {
  vi.useRealTimers();
});

describe("redisStore options", () => {
  it("takes exactly one of client, url and cluster", () => {
    const client = new FakeRedis();
    const exactlyOne = "redisStore needs exactly one of client, url or cluster";
    configFails({}, exactlyOne);
    configFails({ client, url: "redis://127.0.0.1:6379" }, exactlyOne);
    configFails({ url: "redis://127.0.0.1:6379", cluster: ["redis://127.0.0.1:7000"] }, exactlyOne);
    configFails({ client, cluster: ["redis://127.0.0.1:7000"] }, exactlyOne);
    expect(redisStore({ client }).name).toBe("redis");
  });

  it("takes cluster nodes only as a non-empty array", () => {
    for (const cluster of [[], "redis://127.0.0.1:7000", { host: "127.0.0.1" }]) {
      configFails({ cluster }, "redisStore cluster must be a non-empty array of nodes");
    }
    expect(redisStore({ cluster: [{ host: "127.0.0.1", port: 1 }] }).prefix).toBe("sealed-session:");
  });

  it("takes replicas as a whole number from 0", () => {
    const client = new FakeRedis();
    for (const replicas of [-1, 1.5, Number.NaN, "1", Number.POSITIVE_INFINITY]) {
      configFails({ client, replicas }, "redisStore replicas must be a whole number");
    }
    for (const replicas of [0, 1, 3]) expect(redisStore({ client, replicas }).name).toBe("redis");
  });

  it("takes url and prefix only as strings", () => {
    configFails({ url: 6379 }, "redisStore url must be a string");
    configFails({ client: new FakeRedis(), prefix: 1 }, "redisStore prefix must be a string");
    expect(redisStore({ client: new FakeRedis(), prefix: "" }).prefix).toBe("");
    expect(redisStore({ client: new FakeRedis(), prefix: "app:" }).prefix).toBe("app:");
  });
});

describe("redisStore on a client that is still connecting", () => {
  it("waits for ready before its first command, then never waits again", async () => {
    const client = new FakeRedis("connecting").answer("HGETALL", []);
    const store = redisStore({ client });
    const first = store.get("s1");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(client.calls).toEqual([]);
    client.status = "ready";
    client.emit("ready");
    expect(await first).toBeUndefined();
    expect(client.named("HGETALL")).toHaveLength(1);
    // Down after the start: the command goes out and fails on its own (no wait for a ready that may never come).
    client.status = "reconnecting";
    expect(await store.get("s1")).toBeUndefined();
    expect(client.named("HGETALL")).toHaveLength(2);
  });

  it("shares one wait between first calls, and tries again after a failed start", async () => {
    const client = new FakeRedis("connecting").answer("HGETALL", []);
    const store = redisStore({ client });
    const calls = [store.get("a"), store.get("b")];
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(client.listenerCount("ready")).toBe(1);
    client.emit("error", new Error("ECONNREFUSED"));
    for (const call of calls) {
      await expect(call).rejects.toSatisfy(
        (e) => isSessionError(e, "ERR_STORE_UNAVAILABLE") && /failed to connect/.test((e as Error).message),
      );
    }
    expect(client.calls).toEqual([]);
    const again = store.get("c");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(client.listenerCount("ready")).toBe(1);
    client.status = "ready";
    client.emit("ready");
    expect(await again).toBeUndefined();
  });

  it("does not wait on a client without a status (not ioredis) or one already ready", async () => {
    for (const status of [undefined, "ready"]) {
      const client = new FakeRedis(status).answer("HGETALL", []);
      expect(await redisStore({ client }).get("x")).toBeUndefined();
      expect(client.listenerCount("ready")).toBe(0);
    }
  });

  it("fails at once on a client that has ended before it was ever ready", async () => {
    const client = new FakeRedis("end").answer("HGETALL", []);
    await expect(redisStore({ client }).get("x")).rejects.toThrow("session store: the Redis client is end");
    expect(client.calls).toEqual([]);
  });
});

describe("redisStore's own clients", () => {
  it("creates a client from url or a cluster from nodes on first use; a failed start fails the call", async () => {
    // Port 1 answers nobody; no retries, so each start fails at once.
    const stores = [
      redisStore({ url: "redis://127.0.0.1:1", redisOptions: { retryStrategy: () => null } }),
      redisStore({ cluster: [{ host: "127.0.0.1", port: 1 }], clusterOptions: { clusterRetryStrategy: () => null } }),
    ];
    for (const store of stores) {
      await expect(store.get("s1")).rejects.toSatisfy(
        (e) => isSessionError(e, "ERR_STORE_UNAVAILABLE") && /failed to connect/.test((e as Error).message),
      );
      // The client is kept; it is down now, and the next call says so.
      await expect(store.get("s1")).rejects.toSatisfy((e) => isSessionError(e, "ERR_STORE_UNAVAILABLE"));
      await expect(store.close()).resolves.toBeUndefined();
    }
  });
});

describe("redisStore writes, on a fake client", () => {
  it("sends each write its deadline in the server's clock (TIME: seconds and microseconds)", async () => {
    const client = new FakeRedis("ready").answer("create", 1);
    const store = redisStore({ client, prefix: "p:" });
    const { deadline } = soon();
    expect(await store.create(record("s1", { a: 1 }), 60, { deadline })).toBe(true);
    const [[, , count, key, serverDeadline, ttl, id, prefix]] = client.named("create") as [
      [string, string, number, string, number, number, string, string],
    ];
    expect([count, key, ttl, id, prefix]).toEqual([1, "p:s1", 60, "s1", "p:"]);
    // Server time 1_700_000_000_250 ms, plus what was left of the 2 s, minus the round trip and 5 ms.
    const left = deadline - 1_700_000_000_000 - (Date.now() - 1_700_000_000_000);
    expect(serverDeadline).toBeLessThanOrEqual(1_700_000_000_250 + 2000 - 5);
    expect(serverDeadline).toBeGreaterThan(1_700_000_000_250 + left - 100);
  });

  it("sends an unowned record's owner as empty and no index key, and names each refused write", async () => {
    const client = new FakeRedis("ready").answer("create", 1, -1).answer("update", 0, -1).answer("delete", -1);
    const store = redisStore({ client, prefix: "p:" });
    expect(await store.create(record("s1", { a: 1 }), undefined, soon())).toBe(true);
    const [, , count, , , ttl, id, prefix, createdAt, owner, ...fields] = client.named("create")[0] ?? [];
    expect([count, ttl, id, prefix, createdAt, owner, ...fields]).toEqual([
      1,
      0,
      "s1",
      "p:",
      1_700_000_000_123,
      "",
      ".a",
      "1",
    ]);
    expect(await store.update("s1", { set: { b: 2 }, unset: ["a"] }, 30, soon())).toBeUndefined();
    const [, , updateCount, , , ...updateArgs] = client.named("update")[0] ?? [];
    expect([updateCount, ...updateArgs]).toEqual([1, 30, "s1", "p:", "=", "", 1, ".b", "2", ".a"]);
    for (const [what, write] of [
      ["create", () => store.create(record("s2"), 60, soon())],
      ["update", () => store.update("s2", { set: {}, unset: [] }, 60, soon())],
      ["delete", () => store.delete("s2", soon())],
    ] as const) {
      await expect(write()).rejects.toThrow(`session store refused the ${what} that arrived after its deadline`);
    }
  });

  it("an error without a cause has no cause property", async () => {
    const error = await firstReady(new FakeRedis("end"), 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(Object.hasOwn(error as object, "cause")).toBe(false);
  });

  it("tells a refused (-1) write as late, and a create of an existing id as false", async () => {
    const client = new FakeRedis("ready").answer("create", -1, 0);
    const store = redisStore({ client });
    await expect(store.create(record("s1"), 60, soon())).rejects.toSatisfy((e) =>
      isSessionError(e, "ERR_STORE_UNAVAILABLE"),
    );
    expect(await store.create(record("s1"), 60, soon())).toBe(false);
  });

  it("with replicas, WAITs after each write that changed something, and fails when fewer acknowledge it", async () => {
    const client = new FakeRedis("ready").answer("create", 1, 1, 0).answer("WAIT", 2, 1).answer("delete", 1, 0);
    const store = redisStore({ client, replicas: 2 });
    expect(await store.create(record("s1"), 60, soon())).toBe(true);
    const [[, replicas, timeout]] = client.named("WAIT") as [[string, number, number]];
    expect(replicas).toBe(2);
    expect(timeout).toBeGreaterThan(1500);
    expect(timeout).toBeLessThanOrEqual(2000);
    expect(Number.isInteger(timeout)).toBe(true);
    await expect(store.create(record("s2"), 60, soon())).rejects.toThrow(
      "session store: 1 of 2 replicas acknowledged the write in time",
    );
    // A create that found the id taken wrote nothing: no WAIT.
    expect(await store.create(record("s3"), 60, soon())).toBe(false);
    expect(client.named("WAIT")).toHaveLength(2);
    client.answer("WAIT", 2);
    expect(await store.delete("s1", soon())).toBe(true);
    expect(await store.delete("s1", soon())).toBe(false);
    expect(client.named("WAIT")).toHaveLength(3);
  });

  it("does not WAIT after an update that found no session (0) or a 0.1 record (-2 then converted)", async () => {
    const legacy = JSON.stringify(record("s1", { a: 1 }));
    const client = new FakeRedis("ready")
      .answer("update", 0, -2, ["@c", "1700000000123", ".a", "2"])
      .answer("read", legacy)
      .answer("convert", 1)
      .answer("WAIT", 1);
    const store = redisStore({ client, replicas: 1 });
    expect(await store.update("s1", { set: { a: 2 }, unset: [] }, 60, soon())).toBeUndefined();
    expect(client.named("WAIT")).toHaveLength(0);
    expect(await store.update("s1", { set: { a: 2 }, unset: [] }, 60, soon())).toEqual(record("s1", { a: 2 }));
    expect(client.named("WAIT")).toHaveLength(1);
    expect(client.named("update")).toHaveLength(3);
  });

  it("without replicas, never WAITs", async () => {
    const client = new FakeRedis("ready").answer("create", 1).answer("WAIT", 0);
    expect(await redisStore({ client }).create(record("s1"), 60, soon())).toBe(true);
    expect(client.named("WAIT")).toHaveLength(0);
  });
});

describe("redisStore and records written by 0.1", () => {
  it("converts a 0.1 record on its first update, sending the JSON it read and the hash it makes", async () => {
    const legacy = JSON.stringify(record("s1", { a: 1 }, "ada"));
    const client = new FakeRedis("ready")
      .answer("update", -2, ["@c", "1700000000123", "@u", "ada", ".a", "2"])
      .answer("read", legacy)
      .answer("convert", 1);
    expect(await redisStore({ client }).update("s1", { set: { a: 2 }, unset: [] }, 60, soon())).toEqual(
      record("s1", { a: 2 }, "ada"),
    );
    const [[, , , key, raw, ...hash]] = client.named("convert") as [[string, string, number, string, string]];
    expect(key).toBe("sealed-session:s1");
    expect(raw).toBe(legacy);
    expect(hash).toEqual(["@c", "1700000000123", ".a", "1", "@u", "ada"]);
  });

  it("converts nothing when the record is no 0.1 record by the time it is read again", async () => {
    for (const raw of [["@c", "1700000000123"], null, "not json", JSON.stringify(record("other-id"))]) {
      const client = new FakeRedis("ready").answer("update", -2, 0).answer("read", raw).answer("convert", 1);
      expect(await redisStore({ client }).update("s1", { set: { a: 2 }, unset: [] }, 60, soon())).toBeUndefined();
      expect(client.named("convert")).toHaveLength(0);
      expect(client.named("update")).toHaveLength(2);
    }
  });

  it("reads a 0.1 record through the script when HGETALL refuses the string key", async () => {
    const legacy = record("s1", { a: 1 });
    const client = new FakeRedis("ready")
      .answer("HGETALL", new Error("WRONGTYPE Operation against a key holding the wrong kind of value"))
      .answer("read", JSON.stringify(legacy));
    expect(await redisStore({ client }).get("s1")).toEqual(legacy);
    expect(client.named("read")).toHaveLength(1);
  });

  it("answers undefined for an empty hash and for a reply that is no list", async () => {
    for (const reply of [[], null, 3]) {
      const client = new FakeRedis("ready").answer("HGETALL", reply);
      expect(await redisStore({ client }).get("s1")).toBeUndefined();
    }
  });
});

describe("firstReady", () => {
  it("resolves at once for a client without a status, a ready one, or a status it does not know", async () => {
    for (const status of [undefined, "ready", "something-new"]) {
      await expect(firstReady(new FakeRedis(status), 10)).resolves.toBeUndefined();
    }
  });

  it("fails at once for a client that is down, naming its status", async () => {
    for (const status of ["reconnecting", "close", "end"]) {
      const error = await firstReady(new FakeRedis(status), 10).catch((e: unknown) => e);
      expect(isSessionError(error, "ERR_STORE_UNAVAILABLE")).toBe(true);
      expect((error as Error).message).toBe(`session store: the Redis client is ${status}`);
    }
  });

  it("settles on the first event and removes its listeners and its timer", async () => {
    vi.useFakeTimers();
    const outcomes: [string, unknown[], string | RegExp][] = [
      ["error", [new Error("boom")], "session store: the Redis client failed to connect"],
      ["close", [], "session store: the Redis connection closed before it was ready"],
      ["end", [], "session store: the Redis client ended before it was ready"],
    ];
    for (const status of ["connecting", "connect"]) {
      for (const [event, args, message] of outcomes) {
        const client = new FakeRedis(status);
        const waiting = firstReady(client, 1000).catch((e: unknown) => e);
        client.emit(event, ...args);
        client.emit("ready");
        const error = (await waiting) as Error & { cause?: unknown };
        expect(error.message).toBe(message);
        if (event === "error") expect(error.cause).toBe(args[0]);
        for (const name of ["ready", "error", "close", "end"]) expect(client.listenerCount(name)).toBe(0);
        expect(vi.getTimerCount()).toBe(0);
      }
      const client = new FakeRedis(status);
      const ready = firstReady(client, 1000);
      client.emit("ready");
      client.emit("close");
      await expect(ready).resolves.toBeUndefined();
      for (const name of ["ready", "error", "close", "end"]) expect(client.listenerCount(name)).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it("gives up after its timeout, naming the status it saw then", async () => {
    vi.useFakeTimers();
    const client = new FakeRedis("connecting");
    const waiting = firstReady(client, 300).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(299);
    client.status = "reconnecting";
    await vi.advanceTimersByTimeAsync(1);
    expect(((await waiting) as Error).message).toBe(
      "session store: the Redis client was not ready within 300 ms (status reconnecting)",
    );
    expect(client.listenerCount("ready")).toBe(0);
  });

  it("waits 2 s by default", async () => {
    vi.useFakeTimers();
    const waiting = firstReady(new FakeRedis("connecting")).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1999);
    let settled = false;
    void waiting.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await waiting) as Error).message).toMatch(/within 2000 ms/);
  });

  it("connects a lazy client, and lets the events report the outcome", async () => {
    const client = new FakeRedis("wait");
    client.connect = vi.fn(async () => {
      throw new Error("Redis is already connecting");
    });
    const waiting = firstReady(client, 1000);
    expect(client.connect).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    client.emit("ready");
    await expect(waiting).resolves.toBeUndefined();
    // Connecting (not lazy): nothing to start.
    const busy = new FakeRedis("connecting");
    busy.connect = vi.fn(async () => {});
    const pending = firstReady(busy, 1000);
    busy.emit("ready");
    await pending;
    expect(busy.connect).not.toHaveBeenCalled();
  });

  it("without events, takes connect()'s outcome, or resolves when there is nothing to wait on", async () => {
    const bare = (status: string, connect?: () => Promise<void>): RedisClientLike => ({
      status,
      call: async () => undefined,
      ...(connect ? { connect } : {}),
    });
    await expect(
      firstReady(
        bare("wait", async () => {}),
        1000,
      ),
    ).resolves.toBeUndefined();
    const cause = new Error("refused");
    const error = (await firstReady(
      bare("wait", async () => {
        throw cause;
      }),
      1000,
    ).catch((e: unknown) => e)) as Error & { cause?: unknown };
    expect(error.message).toBe("session store: the Redis client failed to connect");
    expect(error.cause).toBe(cause);
    await expect(firstReady(bare("connecting"), 1000)).resolves.toBeUndefined();
    await expect(firstReady(bare("wait"), 1000)).resolves.toBeUndefined();
  });
});

describe("runScript", () => {
  it("runs a script by its SHA-1, computed once, and sends the source only after NOSCRIPT", async () => {
    const script = defineScript("return {KEYS[1], ARGV[1]}");
    const calls: (string | number)[][] = [];
    let known = false;
    const client: RedisClientLike = {
      call: async (...args) => {
        calls.push(args);
        if (args[0] === "EVALSHA" && !known) throw new Error("NOSCRIPT No matching script. Please use EVAL.");
        known = true;
        return "ok";
      },
    };
    expect(await runScript(client, script, ["k1", "k2"], ["a", 1])).toBe("ok");
    expect(await runScript(client, script, ["k1"], [])).toBe("ok");
    const sha = sha1(script.source);
    expect(calls).toEqual([
      ["EVALSHA", sha, 2, "k1", "k2", "a", 1],
      ["EVAL", script.source, 2, "k1", "k2", "a", 1],
      ["EVALSHA", sha, 1, "k1"],
    ]);
    expect(await script.sha).toBe(sha);
  });

  it("passes on every other failure", async () => {
    for (const failure of [
      new Error("ERR wrong number of arguments"),
      "NOSCRIPT as a string",
      new Error("x NOSCRIPT"),
    ]) {
      const calls: string[] = [];
      const client: RedisClientLike = {
        call: async (command) => {
          calls.push(command);
          throw failure;
        },
      };
      await expect(runScript(client, defineScript("return 1"), [], [])).rejects.toBe(failure);
      expect(calls).toEqual(["EVALSHA"]);
    }
  });
});

describe("waitForReplicas", () => {
  it("WAITs for the replicas until the deadline (at least 1 ms) and fails when fewer acknowledge", async () => {
    const calls: (string | number)[][] = [];
    let acked: unknown = 2;
    const client: RedisClientLike = {
      call: async (...args) => {
        calls.push(args);
        return acked;
      },
    };
    const now = Date.now();
    await waitForReplicas(client, "k", 2, now + 750.9);
    expect(calls[0]?.[0]).toBe("WAIT");
    expect(calls[0]?.[1]).toBe(2);
    expect(calls[0]?.[2]).toBeGreaterThan(700);
    expect(calls[0]?.[2]).toBeLessThanOrEqual(750);
    expect(Number.isInteger(calls[0]?.[2])).toBe(true);
    await waitForReplicas(client, "k", 2, now - 5000);
    expect(calls[1]).toEqual(["WAIT", 2, 1]);
    acked = "1";
    await expect(waitForReplicas(client, "k", 2, now + 100)).rejects.toThrow(
      "session store: 1 of 2 replicas acknowledged the write in time",
    );
    acked = "3";
    await expect(waitForReplicas(client, "k", 2, now + 100)).resolves.toBeUndefined();
  });

  it("on a cluster, WAITs in a pipeline behind a command on the key, so it runs on the key's node", async () => {
    const sent: (string | number)[][] = [];
    let replies: [Error | null, unknown][] | null = [
      [null, 1],
      [null, 1],
    ];
    const pipeline = {
      call(...args: (string | number)[]) {
        sent.push(args);
        return pipeline;
      },
      exec: async () => replies,
    };
    const client: RedisClientLike = {
      isCluster: true,
      call: async () => {
        throw new Error("not through the pipeline");
      },
      pipeline: () => pipeline,
    };
    await waitForReplicas(client, "sess:k", 1, Date.now() - 1);
    expect(sent).toEqual([
      ["EXISTS", "sess:k"],
      ["WAIT", 1, 1],
    ]);
    replies = [
      [null, 1],
      [null, 0],
    ];
    await expect(waitForReplicas(client, "sess:k", 1, Date.now() + 100)).rejects.toThrow("0 of 1 replicas");
    const failed = new Error("CLUSTERDOWN");
    replies = [
      [null, 1],
      [failed, null],
    ];
    await expect(waitForReplicas(client, "sess:k", 1, Date.now() + 100)).rejects.toBe(failed);
    replies = null;
    await expect(waitForReplicas(client, "sess:k", 1, Date.now() + 100)).rejects.toThrow("no reply to WAIT");
    replies = [[null, 1]];
    await expect(waitForReplicas(client, "sess:k", 1, Date.now() + 100)).rejects.toThrow("no reply to WAIT");
  });

  it("uses the plain WAIT on a cluster client without pipelines and on a non-cluster client with them", async () => {
    for (const shape of [{ isCluster: true }, { isCluster: false, pipeline: () => ({}) as never }]) {
      const calls: unknown[][] = [];
      const client = {
        ...shape,
        call: async (...args: unknown[]) => {
          calls.push(args);
          return 1;
        },
      } as RedisClientLike;
      await waitForReplicas(client, "k", 1, Date.now() + 100);
      expect(calls[0]?.[0]).toBe("WAIT");
    }
  });
});

describe("closeClient and the clients the store creates", () => {
  it("quits a ready client, and disconnects one that is not ready or whose quit fails", async () => {
    const make = (status: string, quit: () => Promise<unknown>) => {
      const client = new FakeRedis(status);
      client.quit = vi.fn(quit);
      client.disconnect = vi.fn();
      return client;
    };
    const ready = make("ready", async () => "OK");
    await closeClient(ready);
    expect([vi.mocked(ready.quit!).mock.calls.length, vi.mocked(ready.disconnect!).mock.calls.length]).toEqual([1, 0]);
    const failing = make("ready", async () => {
      throw new Error("Connection is closed.");
    });
    await closeClient(failing);
    expect(failing.disconnect).toHaveBeenCalledTimes(1);
    const down = make("reconnecting", async () => "OK");
    await closeClient(down);
    expect([vi.mocked(down.quit!).mock.calls.length, vi.mocked(down.disconnect!).mock.calls.length]).toEqual([0, 1]);
    await expect(closeClient(new FakeRedis("ready"))).resolves.toBeUndefined();
    await expect(closeClient(new FakeRedis("end"))).resolves.toBeUndefined();
  });

  it("creates a lazy client with the fail-fast options under the caller's, and a listener for its errors", async () => {
    const client = (await createRedisClient("redis://127.0.0.1:1", {
      commandTimeout: 123,
      lazyConnect: false,
      enableOfflineQueue: true,
    })) as RedisClientLike & EventEmitter & { options: Record<string, unknown> };
    try {
      expect(client.status).toBe("wait");
      expect(client.options).toMatchObject({
        commandTimeout: 123,
        lazyConnect: true,
        enableOfflineQueue: true,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        connectTimeout: 2000,
      });
      expect(client.listenerCount("error")).toBe(1);
    } finally {
      client.disconnect?.();
    }
  });

  it("creates a lazy cluster that queues nothing, with the fail-fast options for every node", async () => {
    const make = (clusterOptions: Record<string, unknown>) =>
      createRedisCluster([{ host: "127.0.0.1", port: 1 }], { commandTimeout: 77 }, clusterOptions) as Promise<
        RedisClientLike & EventEmitter & { options: Record<string, unknown> }
      >;
    const cluster = await make({ scaleReads: "slave", lazyConnect: false });
    try {
      expect(cluster.isCluster).toBe(true);
      expect(cluster.status).toBe("wait");
      expect(cluster.options).toMatchObject({ enableOfflineQueue: false, scaleReads: "slave", lazyConnect: true });
      expect(cluster.options.redisOptions).toMatchObject({
        commandTimeout: 77,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 2000,
      });
      expect(cluster.listenerCount("error")).toBe(1);
    } finally {
      cluster.disconnect?.();
    }
    const queueing = await make({ enableOfflineQueue: true });
    expect(queueing.options.enableOfflineQueue).toBe(true);
    queueing.disconnect?.();
  });
});
