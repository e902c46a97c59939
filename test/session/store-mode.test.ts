/** Store-mode reads and writes through the public API: what each refusal says, and what a write sends. */
import { describe, expect, it, vi } from "vitest";
import {
  clearSession,
  getSession,
  memoryStore,
  regenerateSession,
  type SessionConfig,
  sealSession,
  unsealSession,
  updateSession,
  useSession,
} from "../../src/index.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
function event(cookie?: string, headers: Record<string, string> = {}) {
  const init = cookie ? { headers: { ...headers, cookie } } : { headers };
  return { req: new Request("http://localhost/", init), res: { headers: new Headers() }, context: {} };
}
const cookieOf = (e: ReturnType<typeof event>) => e.res.headers.getSetCookie()[0]?.split(";")[0];
const errors = (onError: ReturnType<typeof vi.fn>) =>
  onError.mock.calls.map(([code, , error]) => `${code}: ${(error as Error).message}`);

describe("store mode", () => {
  it("a token of the other storage mode is refused, on a read and by unsealSession", async () => {
    const cookieMode: SessionConfig = { password };
    const storeMode: SessionConfig = { password, store: memoryStore({ sweepInterval: 0 }) };
    const first = event();
    await updateSession(first, cookieMode, { a: 1 });
    const cookieToken = await sealSession(first, cookieMode);
    const stored = event();
    await updateSession(stored, storeMode, { a: 1 });
    const storeToken = await sealSession(stored, storeMode);

    const onError = vi.fn();
    await getSession(event(cookieOf(first)), { ...storeMode, onError });
    await getSession(event(cookieOf(stored)), { ...cookieMode, onError });
    expect(errors(onError)).toEqual([
      "ERR_SESSION_SHAPE: a cookie session was presented to a store session",
      "ERR_SESSION_SHAPE: a store reference was presented without a store",
    ]);
    for (const [token, config] of [
      [cookieToken, storeMode],
      [storeToken, cookieMode],
    ] as const) {
      await expect(unsealSession(event(), config, token)).rejects.toThrow(
        expect.objectContaining({
          code: "ERR_SESSION_SHAPE",
          message: "the token does not match this config's storage mode",
        }),
      );
    }
    expect((await unsealSession(event(), storeMode, storeToken)).data).toEqual({ a: 1 });
  });

  it("a revoked session is refused saying so; an unstored one opens empty", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const onError = vi.fn();
    const config: SessionConfig = { password, store, onError };
    const stored = event();
    const session = await updateSession(stored, config, { a: 1 });
    const token = await sealSession(stored, config);
    const unstored = event();
    const unstoredToken = await sealSession(unstored, config);
    expect(await unsealSession(event(), config, unstoredToken)).toMatchObject({ data: {} });
    await store.delete(session.id!, { deadline: Date.now() + 1000 });
    await expect(unsealSession(event(), config, token)).rejects.toThrow(
      expect.objectContaining({
        code: "ERR_STORE_MISSING",
        message: "the session was revoked or has expired in the store",
      }),
    );
    const read = await getSession(event(cookieOf(stored)), config);
    expect(read.id).not.toBe(session.id);
    expect(errors(onError)).toEqual(["ERR_STORE_MISSING: the session was revoked or has expired in the store"]);
    await expect(sealSession(event(cookieOf(stored)), { ...config, onError: undefined })).resolves.toBeTypeOf("string");
  });

  it("sealSession of a session revoked while the request ran throws, saying so", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const config: SessionConfig = { password, store };
    const first = event();
    const session = await updateSession(first, config, { a: 1 });
    const next = event(cookieOf(first));
    await getSession(next, config);
    await store.delete(session.id!, { deadline: Date.now() + 1000 });
    session.data.b = 2;
    await expect(sealSession(next, config)).rejects.toThrow(
      expect.objectContaining({ code: "ERR_STORE_MISSING", message: "the session was revoked" }),
    );
  });

  it("a clear whose delete fails leaves the request with the session it had", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const config: SessionConfig = { password, store };
    const first = event();
    const session = await updateSession(first, config, { a: 1 });
    const next = event(cookieOf(first));
    const before = await getSession(next, config);
    store.delete = () => Promise.reject(new Error("down"));
    await expect(clearSession(next, config)).rejects.toThrow(
      expect.objectContaining({ code: "ERR_STORE_UNAVAILABLE" }),
    );
    const after = await getSession(next, config);
    expect(after).toBe(before);
    expect([after.id, after.data]).toEqual([session.id, { a: 1 }]);
    expect(next.res.headers.getSetCookie()).toEqual([]);
  });

  it("regenerate with keepData false starts empty under a new id and deletes the old record", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const config: SessionConfig = { password, store, idleTimeout: 600 };
    const first = event();
    const old = await updateSession(first, config, { a: 1 });
    const oldId = old.id!;
    const next = event(cookieOf(first));
    const regenerated = await regenerateSession(next, config, { keepData: false });
    expect(regenerated.id).not.toBe(oldId);
    expect(regenerated.data).toEqual({});
    expect(await store.get(oldId)).toBeUndefined();
    const kept = await regenerateSession(event(cookieOf(next)), config, { keepData: true });
    expect(kept.data).toEqual({});
  });
});

describe("the session manager", () => {
  it("serializes as id, createdAt and data; flashes() with none queued writes nothing", async () => {
    const config: SessionConfig = { password };
    const first = event();
    const session = await useSession(first, config);
    expect(JSON.parse(JSON.stringify(session))).toEqual({ id: session.id, createdAt: session.createdAt, data: {} });
    const next = event(cookieOf(first));
    const again = await useSession(next, config);
    expect(await again.flashes()).toEqual({});
    expect(next.res.headers.getSetCookie()).toEqual([]);
  });

  it("keeps every flash message queued in one request", async () => {
    const config: SessionConfig = { password };
    const first = event();
    const session = await useSession(first, config);
    await session.flash("a", 1);
    await session.flash("b", 2);
    const lines = first.res.headers.getSetCookie();
    const next = event(lines.at(-1)!.split(";")[0]);
    expect(await (await useSession(next, config)).flashes()).toEqual({ a: 1, b: 2 });
  });

  it("every verb resolves to the manager itself", async () => {
    const session = await useSession(event(), { password });
    expect(await session.update({ a: 1 })).toBe(session);
    expect(await session.flash("n", 1)).toBe(session);
    expect(await session.regenerate()).toBe(session);
    expect(await session.clear()).toBe(session);
  });
});

describe("what a store write is given", () => {
  const recording = () => {
    const store = memoryStore({ sweepInterval: 0 });
    const ttls: (number | undefined)[] = [];
    const create = store.create.bind(store);
    const update = store.update.bind(store);
    store.create = (record, ttl, options) => {
      ttls.push(ttl);
      return create(record, ttl, options);
    };
    store.update = (id, patch, ttl, options) => {
      ttls.push(ttl);
      return update(id, patch, ttl, options);
    };
    return { store, ttls };
  };

  it("a ttl of the session's time left in whole seconds, or a week when it has no lifetime", async () => {
    const forever = recording();
    await updateSession(event(), { password, store: forever.store }, { a: 1 });
    expect(forever.ttls).toEqual([7 * 24 * 3600]);
    const bounded = recording();
    await updateSession(event(), { password, store: bounded.store, maxAge: 90 }, { a: 1 });
    expect(bounded.ttls).toEqual([90]);
  });

  it("the user userId names: a string tags, null and an empty string do not, anything else is refused", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    for (const user of [null, ""]) {
      await updateSession(event(), { password, store, userId: () => user as unknown as string }, { a: 1 });
    }
    expect(store.users).toBe(0);
    await expect(
      updateSession(event(), { password, store, userId: () => 42 as unknown as string }, { a: 1 }),
    ).rejects.toThrow(
      "sealed-session: config.userId must return a string or undefined, not number; convert ids with String()",
    );
  });

  it("a write to a session revoked meanwhile deletes the cookie, tells onError and drops later writes", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const onError = vi.fn();
    const config: SessionConfig = { password, store, onError, idleTimeout: 600 };
    const first = event();
    const session = await updateSession(first, config, { a: 1 });
    const next = event(cookieOf(first));
    await getSession(next, config);
    await store.delete(session.id!, { deadline: Date.now() + 1000 });
    await updateSession(next, config, { b: 2 });
    expect(next.res.headers.getSetCookie()).toEqual([expect.stringMatching(/^h3=;.*Max-Age=0/)]);
    expect(onError.mock.calls.map(([code, , error]) => `${code}: ${(error as Error).message}`)).toEqual([
      "ERR_STORE_MISSING: the session was revoked while this request was running",
    ]);
    await updateSession(next, config, { c: 3 });
    expect(store.size).toBe(0);
  });
});
