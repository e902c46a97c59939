import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/index.ts";
import { testStore } from "./conformance.ts";

testStore("memory", () => {
  let now = Date.now();
  return {
    store: memoryStore({ now: () => now }),
    advance: async (ms) => {
      now += ms;
    },
  };
});

const record = (id: string, user?: string) => ({ id, createdAt: 0, data: { id }, user });

describe("memoryStore", () => {
  it("is bounded: past max the least recently used record goes first", async () => {
    const store = memoryStore({ max: 3 });
    for (const id of ["a", "b", "c"]) await store.set(id, record(id, "u"), 60, "create");
    await store.get("a"); // a is now the most recently used
    await store.set("d", record("d", "u"), 60, "create");
    expect(store.size).toBe(3);
    expect(await store.get("b")).toBeUndefined();
    expect(await store.get("a")).toBeDefined();
    expect((await store.listByUser("u")).sort()).toEqual(["a", "c", "d"]);
  });

  it("drops expired records lazily, with no timer", async () => {
    let now = 0;
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const store = memoryStore({ now: () => now });
    await store.set("a", record("a", "u"), 1, "create");
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
    now = 999;
    expect(await store.get("a")).toBeDefined();
    now = 1000;
    expect(store.size).toBe(1);
    expect(await store.listByUser("u")).toEqual([]);
    expect(store.size).toBe(0);
  });

  it("refuses a nonsensical bound", () => {
    for (const max of [0, -1, 1.5, Number.NaN]) {
      expect(() => memoryStore({ max })).toThrow(expect.objectContaining({ code: "ERR_CONFIG" }));
    }
  });
});
