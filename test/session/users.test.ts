/** Listing and revoking a user's sessions: the refusals a developer meets, and the order of a listing. */
import { describe, expect, it } from "vitest";
import {
  listUserSessions,
  memoryStore,
  revokeUserSessions,
  type SessionConfig,
  type SessionStore,
} from "../../src/index.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const soon = () => ({ deadline: Date.now() + 2000 });
const message = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: Error) => error.message,
  );

describe("listUserSessions and revokeUserSessions", () => {
  it("say what is missing: a store, one that lists, userId, a user id", async () => {
    const userId = (data: { user?: string }) => data.user;
    const store = memoryStore({ sweepInterval: 0 });
    const { listByUser: _, ...unlisted } = store;
    const cases: [SessionConfig, string][] = [
      [{ password, userId }, "ada"],
      [{ password, store: { ...unlisted, name: "plain" } as SessionStore, userId }, "ada"],
      [{ password, store }, "ada"],
      [{ password, store, userId }, ""],
    ];
    const messages = [];
    for (const [config, user] of cases) {
      messages.push(await message(listUserSessions(config, user)), await message(revokeUserSessions(config, user)));
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "sealed-session: listUserSessions needs config.store: cookie-only sessions cannot be listed or revoked",
        "sealed-session: revokeUserSessions needs config.store: cookie-only sessions cannot be listed or revoked",
        "sealed-session: listUserSessions: the plain store cannot list by user",
        "sealed-session: revokeUserSessions: the plain store cannot list by user",
        "sealed-session: listUserSessions needs config.userId, which tags each session with its user",
        "sealed-session: revokeUserSessions needs config.userId, which tags each session with its user",
        "sealed-session: listUserSessions needs a non-empty user id",
        "sealed-session: revokeUserSessions needs a non-empty user id",
      ]
    `);
    expect(await message(listUserSessions({ password, store, userId }, 42 as unknown as string))).toBe(
      "sealed-session: listUserSessions needs a non-empty user id",
    );
  });

  it("lists oldest first, only records still tagged with the user, and counts only what a revoke deleted", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const config: SessionConfig = { password, store, userId: (data) => data.user as string | undefined };
    for (const [id, createdAt] of [
      ["b", 2000],
      ["c", 3000],
      ["a", 1000],
    ] as const) {
      await store.create({ id, createdAt, data: { id }, user: "ada" }, 60, soon());
    }
    expect((await listUserSessions(config, "ada")).map((session) => session.id)).toEqual(["a", "b", "c"]);
    expect(await listUserSessions(config, "ada")).toContainEqual({ id: "a", createdAt: 1000, data: { id: "a" } });
    // A listing that races a re-tag: the index still names "b", its record no longer does.
    const racing: SessionStore = { ...store, name: "racing", listByUser: async () => ["a", "b", "gone"] };
    await store.update("b", { set: {}, unset: [], user: "bob" }, 60, soon());
    const raced = { ...config, store: racing };
    expect((await listUserSessions(raced, "ada")).map((session) => session.id)).toEqual(["a"]);
    const stale: SessionStore = { ...store, name: "stale", listByUser: async () => ["a", "c", "gone"] };
    expect(await revokeUserSessions({ ...config, store: stale }, "ada", { except: "a" })).toBe(1);
    expect(await store.get("a")).toBeDefined();
    expect(await store.get("c")).toBeUndefined();
  });
});
