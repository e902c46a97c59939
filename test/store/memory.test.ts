import { afterEach, describe, expect, it, vi } from "vitest";
import {
  getSession,
  memoryStore,
  type SessionConfig,
  type SessionPatch,
  type StoredSession,
  updateSession,
  useSession,
} from "../../src/index.ts";
import { repeat } from "../helpers/mutation.ts";
import { testStore } from "./conformance.ts";

testStore("memory", () => {
  let now = Date.now();
  const store = memoryStore({ now: () => now });
  return {
    store,
    atomicMerge: true,
    count: async () => {
      store.sweep();
      return store.size;
    },
    advance: async (ms) => {
      now += ms;
    },
    cleanup: async () => store.close(),
  };
});

const record = (id: string, user?: string): StoredSession => ({ id, createdAt: 0, data: { id }, user });
const soon = () => ({ deadline: Date.now() + 2000 });
const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("memoryStore", () => {
  it("is bounded: past max the least recently used record goes first", async () => {
    const store = memoryStore({ max: 3 });
    for (const id of ["a", "b", "c"]) await store.create(record(id, "u"), 60, soon());
    await store.get("a"); // a is now the most recently used
    await store.create(record("d", "u"), 60, soon());
    expect(store.size).toBe(3);
    expect(await store.get("b")).toBeUndefined();
    expect(await store.get("a")).toBeDefined();
    expect((await store.listByUser("u")).sort()).toEqual(["a", "c", "d"]);
    store.close();
  });

  it("keeps its user index exact: delete, eviction, expiry and a change of owner take the id out", async () => {
    let now = 0;
    const store = memoryStore({ max: 2, now: () => now, sweepInterval: 0 });
    await store.create(record("a", "u"), 60, soon());
    await store.create(record("b", "v"), 1, soon());
    expect(store.users).toBe(2);
    expect(await store.delete("a", soon())).toBe(true);
    expect(store.users).toBe(1);
    now = 2000;
    expect(store.sweep()).toBe(1);
    expect(store.users).toBe(0);
    await store.create(record("c", "w"), 60, soon());
    await store.update("c", { set: {}, unset: [], user: "x" }, 60, soon());
    expect(store.users).toBe(1);
    await store.update("c", { set: {}, unset: [], user: null }, 60, soon());
    expect(store.users).toBe(0);
    await store.create(record("d", "y"), 60, soon());
    await store.create(record("e", "z"), 60, soon());
    await store.create(record("f", "z"), 60, soon()); // evicts d, the least recently used
    expect(await store.listByUser("y")).toEqual([]);
    expect(store.users).toBe(1);
  });

  it("evicts expired records before live ones when full", async () => {
    let now = 0;
    const store = memoryStore({ max: 3, now: () => now, sweepInterval: 0 });
    await store.create(record("live1"), 60, soon());
    await store.create(record("short1"), 1, soon());
    await store.create(record("short2"), 1, soon());
    now = 2000;
    await store.create(record("live2"), 60, soon());
    await store.create(record("live3"), 60, soon());
    for (const id of ["live1", "live2", "live3"]) expect(await store.get(id)).toBeDefined();
    expect(store.size).toBe(3);
  });

  it("sweeps expired records in the background: 0 of 10,000 held 3 s after they were written", async () => {
    const store = memoryStore();
    for (let i = 0; i < 10_000; i++) await store.create(record(`s${i}`, "u"), 1, soon());
    expect(store.size).toBe(10_000);
    await sleep(3000);
    expect(store.size).toBe(0);
    expect(await store.listByUser("u")).toEqual([]);
    store.close();
  });

  it("runs its sweep timer unref'd, and close() stops it", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const store = memoryStore({ sweepInterval: 50 });
    await store.create(record("a"), 1, soon());
    // An unref'd timer is not an active resource keeping the process alive.
    expect(timers()).toBe(before);
    store.close();
    let now = 0;
    const manual = memoryStore({ now: () => now, sweepInterval: 0 });
    await manual.create(record("b"), 1, soon());
    now = 1000;
    expect(manual.size).toBe(1);
    expect(manual.sweep()).toBe(1);
    expect(manual.size).toBe(0);
  });

  it("a signed-in session survives 200,000 anonymous requests at the default size", async () => {
    const store = memoryStore();
    const config: SessionConfig = { password, store };
    const signIn = { req: new Request("http://localhost/"), res: { headers: new Headers() }, context: {} };
    const session = await useSession<{ user?: string }>(signIn, config);
    await session.update({ user: "ada" });
    const cookie = signIn.res.headers.getSetCookie()[0]!.split(";")[0]!;
    // Each anonymous request is a cookieless event of its own (a fresh context), as a server makes them.
    const anonymous = new Request("http://localhost/");
    for (let i = 0; i < repeat(200_000, 2000); i++) {
      const event = { req: anonymous, res: { headers: new Headers() }, context: {} };
      const visitor = await useSession(event, config);
      if (visitor.id === session.id) throw new Error("an anonymous request got the signed-in session");
    }
    expect(store.size).toBe(1);
    const back = { req: new Request("http://localhost/", { headers: { cookie } }), res: { headers: new Headers() } };
    expect((await getSession(back, config)).data).toEqual({ user: "ada" });
    store.close();
  }, 120_000);

  it("refuses a nonsensical bound or sweep interval", () => {
    for (const max of [0, -1, 1.5, Number.NaN]) {
      expect(() => memoryStore({ max })).toThrow(expect.objectContaining({ code: "ERR_CONFIG" }));
    }
    for (const sweepInterval of [-1, 0.5, Number.NaN]) {
      expect(() => memoryStore({ sweepInterval })).toThrow(expect.objectContaining({ code: "ERR_CONFIG" }));
    }
    expect(() => memoryStore({ max: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[SessionError: sealed-session: memoryStore max must be a positive integer]`,
    );
    expect(() => memoryStore({ sweepInterval: -1 })).toThrowErrorMatchingInlineSnapshot(
      `[SessionError: sealed-session: memoryStore sweepInterval must be a whole number of ms]`,
    );
  });

  it("holds one record at max: 1, and names itself memory", async () => {
    const store = memoryStore({ max: 1, sweepInterval: 0 });
    expect(store.name).toBe("memory");
    await store.create(record("a"), 60, soon());
    await store.create(record("b"), 60, soon());
    expect(store.size).toBe(1);
    expect(await store.get("b")).toBeDefined();
  });

  it("keeps expired records while not over max: a full store sweeps only when it has to evict", async () => {
    let now = 0;
    const store = memoryStore({ max: 2, now: () => now, sweepInterval: 0 });
    await store.create(record("short"), 1, soon());
    now = 1000;
    await store.create(record("long"), 60, soon());
    // At max, not over it: the expired record is still held until something needs its room.
    expect(store.size).toBe(2);
    await store.create(record("third"), 60, soon());
    expect(store.size).toBe(2);
    expect(await store.get("long")).toBeDefined();
  });

  it("a record expires at exactly its ttl; with no ttl it never does, also for sweep()", async () => {
    let now = 0;
    const store = memoryStore({ now: () => now, sweepInterval: 0 });
    await store.create(record("ttl", "u"), 1, soon());
    await store.create(record("forever", "u"), undefined, soon());
    now = 999;
    expect(await store.get("ttl")).toBeDefined();
    now = 1000;
    expect(await store.get("ttl")).toBeUndefined();
    now = Number.MAX_SAFE_INTEGER;
    expect(store.sweep()).toBe(0);
    expect(await store.get("forever")).toBeDefined();
  });

  it("lists only live ids: an expired one not yet swept or read is left out", async () => {
    let now = 0;
    const store = memoryStore({ now: () => now, sweepInterval: 0 });
    await store.create(record("short", "u"), 1, soon());
    await store.create(record("long", "u"), 60, soon());
    now = 1000;
    expect(await store.listByUser("u")).toEqual(["long"]);
    expect(await store.listByUser("nobody")).toEqual([]);
    expect(store.size).toBe(1);
  });

  it("indexes only tagged records, and returns a record without a user key when it has none", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    await store.create(record("a"), 60, soon());
    expect(store.users).toBe(0);
    const read = await store.get("a");
    expect(read).toStrictEqual({ id: "a", createdAt: 0, data: { id: "a" } });
    expect(Object.keys(read!)).not.toContain("user");
  });

  it("clear() drops every record and the user index", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    await store.create(record("a", "u"), 60, soon());
    await store.create(record("b"), 60, soon());
    store.clear();
    expect([store.size, store.users]).toEqual([0, 0]);
    expect(await store.get("a")).toBeUndefined();
    expect(await store.listByUser("u")).toEqual([]);
    expect(await store.create(record("a", "u"), 60, soon())).toBe(true);
  });

  describe("write deadlines", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("a write whose deadline is now still lands; one a millisecond later is refused with a message naming the write", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(1_000_000);
      const store = memoryStore({ sweepInterval: 0 });
      const now = { deadline: 1_000_000 };
      const past = { deadline: 999_999 };
      expect(await store.create(record("a"), 60, now)).toBe(true);
      expect((await store.update("a", { set: { v: 1 }, unset: [] }, 60, now))?.data).toEqual({ id: "a", v: 1 });
      await expect(store.create(record("b"), 60, past)).rejects.toThrowErrorMatchingInlineSnapshot(
        `[SessionError: session store refused the create that arrived after its deadline]`,
      );
      await expect(store.update("a", { set: {}, unset: [] }, 60, past)).rejects.toThrowErrorMatchingInlineSnapshot(
        `[SessionError: session store refused the update that arrived after its deadline]`,
      );
      await expect(store.delete("a", past)).rejects.toThrowErrorMatchingInlineSnapshot(
        `[SessionError: session store refused the delete that arrived after its deadline]`,
      );
      expect(await store.delete("a", now)).toBe(true);
    });
  });

  describe("the background sweep", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("starts one timer with the first record, none with sweepInterval 0, and close() stops it", async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      const store = memoryStore({ sweepInterval: 50 });
      expect(vi.getTimerCount()).toBe(0);
      await store.create(record("a"), 60, soon());
      await store.create(record("b"), 60, soon());
      expect(vi.getTimerCount()).toBe(1);
      store.close();
      expect(vi.getTimerCount()).toBe(0);
      const manual = memoryStore({ sweepInterval: 0 });
      await manual.create(record("c"), 60, soon());
      expect(vi.getTimerCount()).toBe(0);
    });

    it("looks at 20,000 entries per tick, resumes where the last tick stopped, and restarts from the front", async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      let now = 0;
      const store = memoryStore({ now: () => now, sweepInterval: 1000 });
      // Five records that expire a second after the rest, ahead of them in the map.
      for (let i = 0; i < 5; i++) await store.create(record(`late${i}`), 2, soon());
      for (let i = 0; i < 25_000; i++) await store.create(record(`e${i}`), 1, soon());
      now = 1000; // the 25,000 expire exactly now
      vi.advanceTimersByTime(1000);
      // The five live records and 19,995 expired ones were looked at.
      expect(store.size).toBe(25_005 - 19_995);
      now = 2000; // the five expire too, but the cursor is past them
      vi.advanceTimersByTime(1000);
      expect(store.size).toBe(5);
      vi.advanceTimersByTime(1000);
      expect(store.size).toBe(0);
      store.close();
    });

    it("a tick that finds the cursor at the end starts over at once", async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      let now = 0;
      const store = memoryStore({ now: () => now, sweepInterval: 1000 });
      for (let i = 0; i < 20_000; i++) await store.create(record(`s${i}`), 2, soon());
      now = 1000;
      vi.advanceTimersByTime(1000); // looks at all 20,000, none expired; the cursor ends on the last
      expect(store.size).toBe(20_000);
      now = 2000;
      vi.advanceTimersByTime(1000); // one step finds the end, 19,999 are looked at after the restart
      expect(store.size).toBe(1);
      store.close();
    });
  });

  it("treats an empty user as none, and names a bad user's type in its refusal", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    await store.create(record("a", ""), 60, soon());
    expect(store.users).toBe(0);
    expect(await store.get("a")).toStrictEqual({ id: "a", createdAt: 0, data: { id: "a" } });
    await expect(
      store.create({ ...record("b"), user: null } as unknown as StoredSession, 60, soon()),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[SessionError: sealed-session: a stored session's user must be a string or undefined, not null]`,
    );
    await expect(
      store.update("a", { set: {}, unset: [], user: 42 as unknown as string }, 60, soon()),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[SessionError: sealed-session: a stored session's user must be a string or undefined, not number]`,
    );
  });

  it("refuses an id that is not a string, and a ttl that is not a number", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    await expect(store.get(123 as unknown as string)).rejects.toThrow(expect.objectContaining({ code: "ERR_CONFIG" }));
    for (const ttl of ["60", Number.NaN]) {
      await expect(store.create(record("a"), ttl as number, soon())).rejects.toThrowErrorMatchingInlineSnapshot(
        `[SessionError: sealed-session: a store ttl must be a number of seconds]`,
      );
    }
    expect(store.size).toBe(0);
  });

  it("a patch that sets and unsets one key sets it", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    await store.create(record("a"), 60, soon());
    expect((await store.update("a", { set: { k: 1 }, unset: ["k"] }, 60, soon()))?.data).toEqual({ id: "a", k: 1 });
  });

  it("a session write sends the store only the keys that changed, and unsets the keys the app deleted", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const patches: SessionPatch[] = [];
    const update = store.update.bind(store);
    store.update = (id, patch, ttl, options) => {
      patches.push(patch);
      return update(id, patch, ttl, options);
    };
    const config: SessionConfig = { password, store };
    const first = { req: new Request("http://localhost/"), res: { headers: new Headers() }, context: {} };
    await updateSession(first, config, { keep: 1, change: 1, drop: 1 });
    const cookie = first.res.headers.getSetCookie()[0]!.split(";")[0]!;
    const next = { req: new Request("http://localhost/", { headers: { cookie } }), res: { headers: new Headers() } };
    await updateSession(next, config, (data) => {
      delete data.drop;
      return { change: 2 };
    });
    expect(patches).toEqual([{ set: { change: 2 }, unset: ["drop"] }]);
    expect((await getSession(next, config)).data).toEqual({ keep: 1, change: 2 });
    const again = { req: new Request("http://localhost/", { headers: { cookie } }), res: { headers: new Headers() } };
    expect((await getSession(again, config)).data).toEqual({ keep: 1, change: 2 });
  });
});
