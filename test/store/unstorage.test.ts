import { createStorage } from "unstorage";
import { describe, expect, it, vi } from "vitest";
import { unstorageStore } from "../../src/index.ts";
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
});
