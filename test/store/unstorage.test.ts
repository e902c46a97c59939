import { createStorage } from "unstorage";
import { describe, expect, it, vi } from "vitest";
import { type UnstorageLike, unstorageStore } from "../../src/index.ts";
import { testStore } from "./conformance.ts";

const soon = () => ({ deadline: Date.now() + 2000 });

testStore("unstorage (memory driver)", () => {
  let now = Date.now();
  const storage = createStorage();
  return {
    store: unstorageStore(storage, { now: () => now }),
    atomicMerge: false,
    count: async () => (await storage.getKeys("sealed-session:session")).length,
    advance: async (ms) => {
      now += ms;
    },
  };
});

describe("unstorageStore", () => {
  it("passes the ttl to the driver and escapes every key segment", async () => {
    const storage = createStorage();
    const setItem = vi.spyOn(storage, "setItem");
    const store = unstorageStore(storage, { prefix: "app:sess:" });
    const id = "a/b+c=";
    await store.create({ id, createdAt: 1, data: {}, user: "x:y/z?q" }, 90, soon());
    expect(setItem.mock.calls.map(([key, , options]) => [key, options])).toEqual([
      ["app:sess:session:a%2Fb%2Bc%3D", { ttl: 90 }],
      ["app:sess:user:x%3Ay%2Fz%3Fq:a%2Fb%2Bc%3D", { ttl: 90 }],
    ]);
    expect(await store.listByUser("x:y/z?q")).toEqual([id]);
    expect(await store.listByUser("x")).toEqual([]);
  });

  it("treats a corrupt or foreign record as missing (fail closed)", async () => {
    const storage = createStorage();
    const store = unstorageStore(storage);
    await storage.setItem("sealed-session:session:s1", "not json {");
    await storage.setItem("sealed-session:session:s2", { id: "other", createdAt: 1, data: {} });
    expect(await store.get("s1")).toBeUndefined();
    expect(await store.get("s2")).toBeUndefined();
    const bad = [
      7,
      ["s3"],
      { id: "s3", createdAt: "1", data: {} },
      { id: "s3", createdAt: 1, data: null },
      { id: "s3", createdAt: 1, data: [1] },
      { id: "s3", createdAt: 1, data: "x" },
      { id: "s3", createdAt: 1, data: {}, user: 42 },
    ];
    for (const value of bad) {
      await storage.setItem("sealed-session:session:s3", value);
      expect(await store.get("s3")).toBeUndefined();
    }
    // Written by another tool without an expiry a number could state: kept, as one without a ttl.
    await storage.setItem("sealed-session:session:s4", { id: "s4", createdAt: 1, data: {}, expiresAt: "0" });
    expect(await store.get("s4")).toStrictEqual({ id: "s4", createdAt: 1, data: {} });
  });

  it("an expired record noticed on read takes its index entry with it (drivers that ignore the ttl)", async () => {
    const storage = createStorage();
    let now = 1_000_000;
    const store = unstorageStore(storage, { now: () => now });
    await store.create({ id: "s1", createdAt: 1, data: {}, user: "u" }, 1, soon());
    await store.create({ id: "s2", createdAt: 1, data: {}, user: "u" }, 1, soon());
    now += 2000;
    expect(await store.get("s1")).toBeUndefined();
    expect(await store.delete("s2", soon())).toBe(false);
    expect(await storage.getKeys("sealed-session")).toEqual([]);
  });

  it("a write that changes the user moves the index entry; one that drops the user removes it", async () => {
    const storage = createStorage();
    const store = unstorageStore(storage);
    await store.create({ id: "s1", createdAt: 1, data: {}, user: "a" }, 60, soon());
    await store.update("s1", { set: {}, unset: [], user: "b" }, 60, soon());
    expect(await storage.getKeys("sealed-session:user")).toEqual(["sealed-session:user:b:s1"]);
    await store.update("s1", { set: {}, unset: [], user: null }, 60, soon());
    expect(await storage.getKeys("sealed-session:user")).toEqual([]);
  });

  it("a delete takes the session's index entry with it", async () => {
    const storage = createStorage();
    const store = unstorageStore(storage);
    await store.create({ id: "s1", createdAt: 1, data: {}, user: "u" }, 60, soon());
    await store.create({ id: "s2", createdAt: 1, data: {}, user: "u" }, 60, soon());
    expect(await store.delete("s1", soon())).toBe(true);
    expect(await storage.getKeys("sealed-session:user")).toEqual(["sealed-session:user:u:s2"]);
  });

  it("prunes index entries whose session is gone", async () => {
    const storage = createStorage();
    const store = unstorageStore(storage);
    await store.create({ id: "s1", createdAt: 1, data: {}, user: "u" }, 60, soon());
    await storage.removeItem("sealed-session:session:s1");
    expect(await store.listByUser("u")).toEqual([]);
    expect(await storage.getKeys("sealed-session:user")).toEqual([]);
  });

  it("spells its prefix as unstorage spells keys, so listings find what writes wrote", async () => {
    for (const prefix of ["app/sess", "app::sess:", ":app\\sess", "app:sess"]) {
      const storage = createStorage();
      const store = unstorageStore(storage, { prefix });
      await store.create({ id: "s1", createdAt: 1, data: { a: 1 }, user: "u" }, 60, soon());
      expect(await storage.getKeys()).toEqual(["app:sess:session:s1", "app:sess:user:u:s1"]);
      expect(await store.listByUser("u")).toEqual(["s1"]);
      expect(await storage.getKeys("app:sess:user")).toEqual(["app:sess:user:u:s1"]);
    }
  });

  it("refuses a prefix that is empty, names no segment, or holds a '?', and a storage that is not one", () => {
    expect(() => unstorageStore(createStorage(), { prefix: "" })).toThrowErrorMatchingInlineSnapshot(
      `[SessionError: sealed-session: unstorageStore prefix must not be empty]`,
    );
    expect(() => unstorageStore(createStorage(), { prefix: ":/:" })).toThrow(/prefix must not be empty/);
    expect(() => unstorageStore(createStorage(), { prefix: "app?v=1" })).toThrowErrorMatchingInlineSnapshot(
      `[SessionError: sealed-session: unstorageStore prefix must be a string without "?" (unstorage cuts keys there)]`,
    );
    expect(() => unstorageStore(createStorage(), { prefix: 42 as unknown as string })).toThrow(/must be a string/);
    for (const storage of [undefined, {}, { getItem: () => undefined }]) {
      expect(() => unstorageStore(storage as unknown as UnstorageLike)).toThrowErrorMatchingInlineSnapshot(
        `[SessionError: sealed-session: unstorageStore expects an unstorage Storage (createStorage())]`,
      );
    }
  });

  it("writes no ttl option and no expiry for a record without a ttl, and expires one at exactly its ttl", async () => {
    const storage = createStorage();
    const setItem = vi.spyOn(storage, "setItem");
    let now = 1_000_000;
    const store = unstorageStore(storage, { now: () => now });
    await store.create({ id: "forever", createdAt: 1, data: {}, user: "u" }, undefined, soon());
    expect(setItem.mock.calls).toEqual([
      [
        "sealed-session:session:forever",
        '{"id":"forever","createdAt":1,"data":{},"user":"u","expiresAt":null}',
        undefined,
      ],
      ["sealed-session:user:u:forever", '{"expiresAt":null}', undefined],
    ]);
    await store.create({ id: "short", createdAt: 1, data: {} }, 1, soon());
    now += 999;
    expect(await store.get("short")).toBeDefined();
    now += 1;
    expect(await store.get("short")).toBeUndefined();
    now += 10 ** 12;
    expect(await store.get("forever")).toBeDefined();
  });

  it("treats an empty user as none: no index entry", async () => {
    const storage = createStorage();
    const store = unstorageStore(storage);
    expect(store.name).toBe("unstorage");
    await store.create({ id: "s1", createdAt: 1, data: {}, user: "" }, 60, soon());
    expect(await storage.getKeys("sealed-session:user")).toEqual([]);
    expect(await store.get("s1")).toStrictEqual({ id: "s1", createdAt: 1, data: {} });
    expect(await store.update("s1", { set: { a: 1 }, unset: [] }, 60, soon())).toStrictEqual({
      id: "s1",
      createdAt: 1,
      data: { a: 1 },
    });
  });

  it("a write whose deadline is now still lands; one a millisecond later is refused", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(1_000_000);
      const store = unstorageStore(createStorage());
      const now = { deadline: 1_000_000 };
      const past = { deadline: 999_999 };
      expect(await store.create({ id: "s1", createdAt: 1, data: {} }, 60, now)).toBe(true);
      expect((await store.update("s1", { set: { v: 1 }, unset: [] }, 60, now))?.data).toEqual({ v: 1 });
      await expect(store.create({ id: "s2", createdAt: 1, data: {} }, 60, past)).rejects.toThrow(
        "session store refused the create that arrived after its deadline",
      );
      await expect(store.update("s1", { set: {}, unset: [] }, 60, past)).rejects.toThrow("refused the update");
      await expect(store.delete("s1", past)).rejects.toThrow("refused the delete");
      expect(await store.delete("s1", now)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a listing prunes index entries that name no valid id, and leaves other users' keys alone", async () => {
    // A storage whose getKeys matches by plain text, as a hand-written UnstorageLike may.
    const items = new Map<string, unknown>();
    const storage: UnstorageLike = {
      getItem: async (key) => items.get(key) ?? null,
      setItem: async (key, value) => {
        items.set(key, value);
      },
      removeItem: async (key) => {
        items.delete(key);
      },
      getKeys: async (base = "") => [...items.keys()].filter((key) => key.startsWith(base)),
    };
    const store = unstorageStore(storage);
    await store.create({ id: "s1", createdAt: 1, data: {}, user: "a" }, 60, soon());
    await store.create({ id: "s2", createdAt: 1, data: {}, user: "ab" }, 60, soon());
    await storage.setItem("sealed-session:user:a:bad%20id", "{}");
    expect(await store.listByUser("a")).toEqual(["s1"]);
    expect(await store.listByUser("ab")).toEqual(["s2"]);
    expect([...items.keys()].filter((key) => key.includes(":user:"))).toEqual([
      "sealed-session:user:a:s1",
      "sealed-session:user:ab:s2",
    ]);
  });

  it("a re-tag to the same user keeps the index entry; a delete of a record without a user removes only it", async () => {
    const storage = createStorage();
    const store = unstorageStore(storage);
    await store.create({ id: "s1", createdAt: 1, data: {}, user: "u" }, 60, soon());
    await store.update("s1", { set: { a: 1 }, unset: [], user: "u" }, 60, soon());
    await store.update("s1", { set: { b: 2 }, unset: [] }, 60, soon());
    expect(await storage.getKeys("sealed-session:user")).toEqual(["sealed-session:user:u:s1"]);
    expect(await store.listByUser("u")).toEqual(["s1"]);
    expect(await store.get("s1")).toStrictEqual({ id: "s1", createdAt: 1, data: { a: 1, b: 2 }, user: "u" });
  });
});
