import { Redis } from "ioredis";
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clearSession,
  DEFAULT_REDIS_OPTIONS,
  DEFAULT_STORE_TIMEOUT_MS,
  eventHandler,
  getSession,
  listUserSessions,
  type RedisStore,
  redisStore,
  regenerateSession,
  type SessionConfig,
  type SessionStore,
  toWebHandler,
  unstorageStore,
  updateSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { testStore } from "./conformance.ts";
import { redisUrlOrSkip, uniquePrefix } from "./redis-env.ts";
import { cloneJar, deleteKeys, startAppServer, type TestServer } from "./redis-helpers.ts";

const url = await redisUrlOrSkip();
const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const soon = () => ({ deadline: Date.now() + 2000 });

describe("the default store timeout", () => {
  it("is DEFAULT_STORE_TIMEOUT_MS = 2000 ms: a store that never answers fails the call then, not before", async () => {
    expect(DEFAULT_STORE_TIMEOUT_MS).toBe(2000);
    const never = () => new Promise<never>(() => {});
    const hanging: SessionStore = { name: "hanging", get: never, create: never, update: never, delete: never };
    const event = { req: new Request("http://localhost/"), res: { headers: new Headers() } };
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const settled = vi.fn();
      const update = updateSession(event, { password, store: hanging }, { a: 1 }).then(settled, (error: unknown) => {
        settled(error);
      });
      await vi.advanceTimersByTimeAsync(DEFAULT_STORE_TIMEOUT_MS - 1);
      expect(settled).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      await update;
      expect(settled).toHaveBeenCalledWith(expect.objectContaining({ code: "ERR_STORE_UNAVAILABLE" }));
    } finally {
      vi.useRealTimers();
    }
    expect(event.res.headers.getSetCookie()).toEqual([]);
  });
});

describe.skipIf(!url)("on a real Redis", () => {
  const redisUrl = url as string;
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redisUrl);
  });
  afterAll(async () => {
    await admin?.quit();
  });

  /** A redisStore under a prefix of its own for the calling describe; its keys are deleted after. */
  function sharedRedisStore(label: string, use: (store: RedisStore) => void): string {
    const prefix = uniquePrefix(label);
    let store: RedisStore | undefined;
    beforeAll(() => {
      store = redisStore({ url: redisUrl, prefix });
      use(store);
    });
    afterAll(async () => {
      await deleteKeys(admin, prefix);
      await store?.close();
    });
    return prefix;
  }
  /** Redis's clock in ms: index scores are on it. */
  const serverMs = async () => {
    const [seconds, micros] = await admin.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  testStore("redis", () => {
    const prefix = uniquePrefix("conformance");
    const store = redisStore({ url: redisUrl, prefix });
    const cleanup = async () => {
      await deleteKeys(admin, prefix);
      await store.close();
    };
    const count = async () =>
      (await admin.keys(`${prefix}*`)).filter((key) => !key.startsWith(`${prefix}user:`)).length;
    return { store, cleanup, count, atomicMerge: true };
  });

  testStore("unstorage (redis driver)", () => {
    const base = uniquePrefix("unstorage").slice(0, -1);
    const storage = createStorage({ driver: redisDriver({ url: redisUrl, base }) });
    const cleanup = async () => {
      await storage.clear();
      await storage.dispose();
    };
    const count = async () => (await storage.getKeys("sealed-session:session")).length;
    return { store: unstorageStore(storage), cleanup, count, atomicMerge: false };
  });

  describe("redisStore", () => {
    let store: RedisStore;
    const prefix = sharedRedisStore("redis", (created) => {
      store = created;
    });

    it("writes the record at prefix + id with the session's remaining lifetime, and indexes its user", async () => {
      const config: SessionConfig = { password, store, maxAge: 3600, userId: (data) => data.user as string };
      const jar = new CookieJar();
      const app = toWebHandler(eventHandler(async (event) => (await updateSession(event, config, { user: "ada" })).id));
      const response = await app(new Request("http://localhost/", jar.init()));
      jar.store(response);
      const id = await response.text();
      // A hash: createdAt, owner, and one JSON field per top-level key of the data.
      expect(await admin.hgetall(prefix + id)).toEqual({
        "@c": expect.stringMatching(/^\d+$/),
        "@u": "ada",
        ".user": '"ada"',
      });
      expect(await admin.ttl(prefix + id)).toBeGreaterThan(3590);
      expect(await admin.zscore(`${prefix}user:ada`, id)).not.toBeNull();
      expect(await admin.ttl(`${prefix}user:ada`)).toBeGreaterThanOrEqual(await admin.ttl(prefix + id));
    });

    it("reads a hash field by field: prototype keys are dropped; a corrupt field or a bad createdAt drops the record", async () => {
      const id = `odd-${Date.now()}`;
      await admin.hset(prefix + id, "@c", "5", ".a", "1", ".__proto__", '{"polluted":true}', "@x", "ignored");
      const read = await store.get(id);
      expect(read).toStrictEqual({ id, createdAt: 5, data: { a: 1 } });
      expect(Object.getPrototypeOf(read!.data)).toBe(Object.prototype);
      await admin.hset(prefix + id, ".b", "{not json");
      expect(await store.get(id)).toBeUndefined();
      for (const fields of [
        ["@c", "soon", ".a", "1"],
        [".a", "1"],
      ]) {
        await admin.del(prefix + id);
        await admin.hset(prefix + id, ...fields);
        expect(await store.get(id)).toBeUndefined();
      }
      await admin.del(prefix + id);
    });

    it("turns a 0.1 record without a user, or with an empty one, into a hash without an owner", async () => {
      for (const user of [undefined, ""]) {
        const id = `legacy-anon-${Date.now()}-${user === undefined ? "none" : "empty"}`;
        await admin.set(prefix + id, JSON.stringify({ id, createdAt: 5, data: { a: 1 }, user }), "EX", 600);
        expect(await store.update(id, { set: { b: 2 }, unset: [] }, 600, soon())).toStrictEqual({
          id,
          createdAt: 5,
          data: { a: 1, b: 2 },
        });
        expect(await admin.hgetall(prefix + id)).toEqual({ "@c": "5", ".a": "1", ".b": "2" });
      }
    });

    it("reads records written by 0.1 (one JSON string) and turns them into hashes on their first update", async () => {
      const id = `legacy-${Date.now()}`;
      const legacy = { id, createdAt: 1_700_000_000_000, data: { cart: [], theme: "dark" }, user: "lee" };
      await admin.set(prefix + id, JSON.stringify(legacy), "EX", 600);
      await admin.zadd(`${prefix}user:lee`, Date.now() + 600_000, id);
      expect(await store.get(id)).toEqual(legacy);
      expect(await store.listByUser("lee")).toEqual([id]);
      const merged = await store.update(id, { set: { n: 1 }, unset: ["theme"] }, 600, soon());
      expect(merged).toEqual({ ...legacy, data: { cart: [], n: 1 } });
      expect(await admin.type(prefix + id)).toBe("hash");
      expect(await admin.ttl(prefix + id)).toBeGreaterThan(590);
      expect(await store.get(id)).toEqual({ ...legacy, data: { cart: [], n: 1 } });
      expect(await store.delete(id, soon())).toBe(true);
      expect(await store.listByUser("lee")).toEqual([]);
    });

    it("sets the TTL to the remaining lifetime on update, not a whole maxAge again", async () => {
      const config: SessionConfig = { password, store, maxAge: 3600 };
      const app = toWebHandler(eventHandler(async (event) => (await updateSession(event, config, { a: 1 })).id));
      const jar = new CookieJar();
      const created = await app(new Request("http://localhost/", jar.init()));
      jar.store(created);
      const id = await created.text();
      expect(await admin.ttl(prefix + id)).toBeGreaterThan(3590);
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 1_000_000 });
      try {
        const updated = await app(new Request("http://localhost/", jar.init()));
        expect(await updated.text()).toBe(id);
      } finally {
        vi.useRealTimers();
      }
      expect(Math.abs((await admin.ttl(prefix + id)) - 2600)).toBeLessThanOrEqual(5);
    });

    it("renews the TTL when an idle session slides", async () => {
      const config: SessionConfig = { password, store, idleTimeout: 100 };
      const app = toWebHandler(eventHandler(async (event) => (await getSession(event, config)).id));
      const jar = new CookieJar();
      const created = toWebHandler(eventHandler(async (event) => (await updateSession(event, config, { a: 1 })).id));
      const first = await created(new Request("http://localhost/", jar.init()));
      jar.store(first);
      const id = await first.text();
      await admin.expire(prefix + id, 20); // as if Redis had counted 80 s down
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
      try {
        const read = await app(new Request("http://localhost/", jar.init()));
        expect(read.headers.getSetCookie()).toHaveLength(1);
      } finally {
        vi.useRealTimers();
      }
      expect(await admin.ttl(prefix + id)).toBeGreaterThan(90);
    });

    it("prunes index members whose session is gone when listing", async () => {
      const later = (await serverMs()) + 60_000;
      await admin.zadd(`${prefix}user:zoe`, later, "gone-1", later, "gone-2");
      expect(await store.listByUser("zoe")).toEqual([]);
      expect(await admin.exists(`${prefix}user:zoe`)).toBe(0);
    });

    it("connects once for a burst of first calls, and works with a client you own (after SCRIPT FLUSH too)", async () => {
      const lazy = redisStore({ url: redisUrl, prefix });
      const results = await Promise.all(Array.from({ length: 20 }, () => lazy.get("never-written")));
      expect(results).toEqual(Array(20).fill(undefined));
      await lazy.close();

      const client = new Redis(redisUrl, { ...DEFAULT_REDIS_OPTIONS });
      const owned = redisStore({ client, prefix });
      await admin.script("FLUSH");
      expect(await owned.create({ id: "own-1", createdAt: 1, data: {}, user: "u" }, 60, soon())).toBe(true);
      expect(await owned.listByUser("u")).toEqual(["own-1"]);
      await owned.close();
      expect(client.status).toBe("ready");
      await client.quit();
    });

    it("refuses a config with both or neither of client and url", () => {
      expect(() => redisStore({})).toThrow(expect.objectContaining({ code: "ERR_CONFIG" }));
      expect(() => redisStore({ url: redisUrl, client: admin })).toThrow(
        expect.objectContaining({ code: "ERR_CONFIG" }),
      );
    });
  });

  describe("redisStore user index", () => {
    let store: RedisStore;
    const prefix = sharedRedisStore("index", (created) => {
      store = created;
    });
    const index = (user: string) => `${prefix}user:${user}`;
    /** The ids in a user's index, whatever the key's type, sorted. */
    const members = async (user: string): Promise<string[]> => {
      const type = await admin.type(index(user));
      const ids =
        type === "zset"
          ? await admin.zrange(index(user), 0, -1)
          : type === "set"
            ? await admin.smembers(index(user))
            : [];
      return ids.sort();
    };
    const record = (id: string, user?: string) => ({ id, createdAt: 1, data: {}, ...(user ? { user } : {}) });

    it("deleting or regenerating a session takes its id out of the user's index; the last one leaves no index", async () => {
      const config: SessionConfig<{ user?: string }> = { password, store, maxAge: 3600, userId: (data) => data.user };
      const app = toWebHandler(
        eventHandler(async (event) => {
          if (event.url.pathname === "/sign-in") return (await updateSession(event, config, { user: "ivy" })).id;
          if (event.url.pathname === "/regenerate") return (await regenerateSession(event, config)).id;
          await clearSession(event, config);
          return "";
        }),
      );
      const send = async (jar: CookieJar, path: string) => {
        const response = await app(new Request(`http://localhost${path}`, jar.init()));
        jar.store(response);
        return response.text();
      };
      const [phone, laptop] = [new CookieJar(), new CookieJar()];
      const first = await send(phone, "/sign-in");
      const other = await send(laptop, "/sign-in");
      expect(await members("ivy")).toEqual([first, other].sort());

      const moved = await send(phone, "/regenerate");
      expect(await members("ivy")).toEqual([moved, other].sort());
      await send(laptop, "/logout");
      expect(await members("ivy")).toEqual([moved]);
      await send(phone, "/logout");
      expect(await admin.exists(index("ivy"))).toBe(0);
      expect(await listUserSessions(config, "ivy")).toEqual([]);
    });

    it("scores each id by its record's expiry; the index expires with its latest member", async () => {
      const near = (actual: number | string | null, expected: number) =>
        expect(Math.abs(Number(actual) - expected)).toBeLessThan(2000);
      const [long, short, forever] = ["idx-long", "idx-short", "idx-forever"];
      const t = await serverMs();
      await store.create(record(long, "uma"), 3600, soon());
      await store.create(record(short, "uma"), 30, soon());
      expect(await admin.type(index("uma"))).toBe("zset");
      near(await admin.zscore(index("uma"), long), t + 3_600_000);
      near(await admin.zscore(index("uma"), short), t + 30_000);
      near(await admin.pttl(index("uma")), 3_600_000);

      // The long-lived session goes: the index now ends with the short one, not an hour later.
      await store.delete(long, soon());
      expect(await members("uma")).toEqual([short]);
      near(await admin.pttl(index("uma")), 30_000);

      expect(await store.update(short, { set: {}, unset: [] }, 120, soon())).toBeDefined();
      near(await admin.zscore(index("uma"), short), t + 120_000);
      near(await admin.pttl(index("uma")), 120_000);

      // A record without expiry keeps the index without expiry, until it goes.
      await store.create(record(forever, "uma"), undefined, soon());
      expect(await admin.zscore(index("uma"), forever)).toBe("inf");
      expect(await admin.pttl(index("uma"))).toBe(-1);
      await store.delete(forever, soon());
      near(await admin.pttl(index("uma")), 120_000);
    });

    it("prunes expired ids on every write and on listing; listing never returns them", async () => {
      const past = (await serverMs()) - 1000;
      const [live, other] = ["prune-live", "prune-other"];
      await store.create(record(live, "vic"), 60, soon());
      await admin.zadd(index("vic"), past, "expired-1");
      await store.create(record(other, "vic"), 60, soon());
      expect(await members("vic")).toEqual([live, other].sort());

      await admin.zadd(index("vic"), past, "expired-2");
      expect((await store.listByUser("vic")).sort()).toEqual([live, other].sort());
      expect(await members("vic")).toEqual([live, other].sort());
    });

    it("a change of owner moves the id to the new owner's index; dropping the user takes it out", async () => {
      const id = "owner-change";
      await store.create(record(id, "walt"), 60, soon());
      await store.update(id, { set: {}, unset: [], user: "xena" }, 60, soon());
      expect(await admin.exists(index("walt"))).toBe(0);
      expect(await members("xena")).toEqual([id]);
      await store.update(id, { set: {}, unset: [], user: null }, 60, soon());
      expect(await admin.exists(index("xena"))).toBe(0);
      expect(await store.get(id)).toEqual(record(id));
    });
  });

  describe("two server processes sharing one Redis", () => {
    const prefix = uniquePrefix("processes");
    let one: TestServer;
    let two: TestServer;
    beforeAll(async () => {
      [one, two] = await Promise.all([
        startAppServer({ REDIS_URL: redisUrl, PREFIX: prefix, NAME: "one" }),
        startAppServer({ REDIS_URL: redisUrl, PREFIX: prefix, NAME: "two" }),
      ]);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([one?.stop(), two?.stop()]);
      await deleteKeys(admin, prefix);
    });

    it("a session created on one is read and updated on the other; a logout on one is seen at once by the other", async () => {
      const jar = new CookieJar();
      const created = await one.send(jar, "POST", "/update?user=ada&theme=dark");
      expect(created.body).toMatchObject({ server: "one", data: { user: "ada", theme: "dark" } });
      const { id } = created.body;
      expect((await two.send(jar, "GET", "/")).body).toEqual({
        server: "two",
        id,
        data: { user: "ada", theme: "dark" },
      });
      await two.send(jar, "POST", "/update?user=ada&theme=light");
      expect((await one.send(jar, "GET", "/")).body).toEqual({
        server: "one",
        id,
        data: { user: "ada", theme: "light" },
      });

      const copy = cloneJar(jar);
      await one.send(jar, "POST", "/logout");
      const after = await two.send(copy, "GET", "/");
      expect(after.body.id).not.toBe(id);
      expect(after.body.data).toEqual({});
      expect(await admin.exists(prefix + id)).toBe(0);
    });

    it("the logout race: a request that loaded before a logout on the other server and saves after it does not bring it back", async () => {
      const jar = new CookieJar();
      const { id } = (await one.send(jar, "POST", "/update?user=bea")).body;
      const stolen = cloneJar(jar);
      const replay = cloneJar(jar);

      const slow = one.send(stolen, "POST", "/race?gate=g1");
      await one.send(new CookieJar(), "GET", "/reached?gate=g1");
      await two.send(jar, "POST", "/logout");
      await one.send(new CookieJar(), "POST", "/open?gate=g1");
      const late = await slow;

      expect(late.status).toBe(200);
      expect(late.setCookies.join()).toMatch(/h3=;.*Max-Age=0/i);
      expect(await admin.exists(prefix + id)).toBe(0);
      expect(stolen.cookies.size).toBe(0);
      expect((await one.send(replay, "GET", "/")).body.data).toEqual({});
    });
  });
});
