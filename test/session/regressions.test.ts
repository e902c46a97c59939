import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  clearSession,
  getSession,
  listUserSessions,
  memoryStore,
  type SessionConfig,
  sealSession,
  unsealSession,
  updateSession,
  useSession,
} from "../../src/index.ts";
import { seal, unseal } from "../../src/seal/index.ts";

const PW = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
function ev(cookie?: string) {
  const headers = new Headers();
  if (cookie) headers.set("cookie", cookie);
  return { req: new Request("https://example.com/", { headers }), res: { headers: new Headers() }, context: {} };
}
function cookieOf(e: ReturnType<typeof ev>, name = "h3") {
  const line = e.res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  return line?.split(";")[0];
}

describe("regressions found in review", () => {
  it("an update issued BEFORE clear() must not survive the clear", async () => {
    const config: SessionConfig = { password: PW };
    const e1 = ev();
    await updateSession(e1, config, { user: "ada" });
    const e2 = ev(cookieOf(e1));
    await getSession(e2, config);
    const pending = updateSession(e2, config, { user: "mallory" }); // issued first
    await clearSession(e2, config); // logout issued second
    await pending;
    expect((await getSession(e2, config)).data).toEqual({});
    expect(e2.res.headers.getSetCookie().some((l) => l.startsWith("h3=Fe26"))).toBe(false);
  });

  it("store mode: an update issued right after clear() lands in the fresh session", async () => {
    const config: SessionConfig = { password: PW, store: memoryStore() };
    const e1 = ev();
    await updateSession(e1, config, { user: "ada" });
    const e2 = ev(cookieOf(e1));
    await getSession(e2, config);
    const cleared = clearSession(e2, config);
    const updated = updateSession(e2, config, { theme: "dark" });
    await Promise.all([cleared, updated]);
    const s = await getSession(e2, config);
    expect(s.data).toEqual({ theme: "dark" });
    expect(e2.res.headers.getSetCookie().some((l) => l.startsWith("h3=Fe26"))).toBe(true);
  });

  it("verified-token cache ignores legacySealFallback:false across configs", async () => {
    const legacy = await seal({ id: "x", createdAt: Date.now(), data: { user: "v1" } }, PW, { iterations: 1 });
    const strict: SessionConfig = { password: PW, legacySealFallback: false };
    const lenient: SessionConfig = { password: PW };
    await expect(unsealSession(ev(), strict, legacy)).rejects.toMatchObject({ code: "ERR_SEAL_MAC" });
    await unsealSession(ev(), lenient, legacy); // warms the shared cache
    await expect(unsealSession(ev(), strict, legacy)).rejects.toMatchObject({ code: "ERR_SEAL_MAC" });
  });

  it("cookie.priority is not validated: attribute injection", async () => {
    const config = { password: PW, cookie: { priority: "high; Domain=evil.example" } } as unknown as SessionConfig;
    const e = ev();
    await expect(updateSession(e, config, { a: 1 })).rejects.toMatchObject({ code: "ERR_CONFIG" });
  });

  it("h3 v2 errHeaders: cookies set there by other code are left alone", async () => {
    const e = { ...ev(), res: { headers: new Headers(), errHeaders: new Headers() } };
    e.res.errHeaders.append("set-cookie", "csrf=abc; Path=/");
    await updateSession(e, { password: PW }, { a: 1 });
    expect(e.res.errHeaders.getSetCookie().some((l) => l.startsWith("csrf="))).toBe(true);
  });

  it("a numeric userId() fails the update instead of writing a record no listing matches", async () => {
    const store = memoryStore();
    const config = { password: PW, store, userId: (d: { user?: unknown }) => d.user } as unknown as SessionConfig;
    await expect(updateSession(ev(), config, { user: 42 })).rejects.toMatchObject({ code: "ERR_CONFIG" });
    const e = ev();
    await updateSession(e, config, { user: "42" });
    expect((await listUserSessions(config, "42")).map((s) => s.data)).toEqual([{ user: "42" }]);
  });

  it("userId() returning null or an empty string leaves the session untagged", async () => {
    const config = {
      password: PW,
      store: memoryStore(),
      userId: (d: { user?: unknown }) => d.user,
    } as unknown as SessionConfig;
    for (const user of [null, ""]) {
      const e = ev();
      await updateSession(e, config, { user });
      expect((await getSession(ev(cookieOf(e)), config)).data).toEqual({ user });
    }
  });

  it("storeTimeout past setTimeout's range is refused, not wrapped to 1 ms", async () => {
    const config: SessionConfig = { password: PW, store: memoryStore(), storeTimeout: 2 ** 31 };
    await expect(getSession(ev(), config)).rejects.toMatchObject({ code: "ERR_CONFIG" });
    await getSession(ev(), { password: PW, store: memoryStore(), storeTimeout: 2 ** 31 - 1 });
  });

  it("a fractional ttl or maxAge still writes a seal that unseals", async () => {
    const token = await seal({ a: 1 }, PW, { ttl: 1500.5 });
    expect(token.split("*")[5]).toMatch(/^\d+$/);
    await expect(unseal(token, PW)).resolves.toEqual({ a: 1 });
    const config: SessionConfig = { password: PW, maxAge: 60.0001 };
    const e = ev();
    await updateSession(e, config, { a: 1 });
    expect((await getSession(ev(cookieOf(e)), config)).data).toEqual({ a: 1 });
  });

  it("unsealSession checks the data against the schema, as a read does", async () => {
    const loose: SessionConfig = { password: PW };
    const e = ev();
    await updateSession(e, loose, { user: 42 });
    const token = await sealSession(e, loose);
    const config = { password: PW, schema: z.object({ user: z.string() }) };
    await expect(unsealSession(ev(), config, token)).rejects.toMatchObject({ code: "ERR_SESSION_SCHEMA" });
    const coerced = { password: PW, schema: z.object({ user: z.coerce.string() }) };
    expect((await unsealSession(ev(), coerced, token)).data).toEqual({ user: "42" });
  });

  it("store mode: a regenerate() issued before clear() leaves the session started after the clear alone", async () => {
    const onError = vi.fn();
    const config: SessionConfig = { password: PW, store: memoryStore(), onError };
    const e1 = ev();
    await updateSession(e1, config, { user: "ada" });
    const e2 = ev(cookieOf(e1));
    const session = await useSession(e2, config);
    await Promise.all([session.regenerate(), session.clear(), session.update({ theme: "dark" })]);
    expect(session.data).toEqual({ theme: "dark" });
    expect(onError).not.toHaveBeenCalled();
    expect((await getSession(ev(cookieOf(e2)), config)).data).toEqual({ theme: "dark" });
  });
});

describe("the manager useSession returns", () => {
  it("keeps id and data live through clear(), also when destructured, and serializes to its session", async () => {
    const config: SessionConfig = { password: PW };
    const e = ev();
    const session = await useSession(e, config);
    const { update, clear } = session;
    await update({ user: "ada" });
    const firstId = session.id;
    expect(JSON.parse(JSON.stringify(session))).toEqual({
      id: firstId,
      createdAt: session.createdAt,
      data: { user: "ada" },
    });
    await clear();
    expect(session.data).toEqual({});
    await update({ user: "grace" });
    expect(session.id).not.toBe(firstId);
    expect(session.data).toEqual({ user: "grace" });
    const { data } = session;
    expect(data).toEqual({ user: "grace" });
  });
});

describe("an update that cannot be written", () => {
  it("leaves the data as the client holds it, so the next update in the request succeeds", async () => {
    const config: SessionConfig = { password: PW, cookie: { maxChunks: 1 } };
    const e = ev();
    const session = await useSession(e, config);
    await session.update({ user: "ada" });
    await expect(session.update({ blob: "x".repeat(20_000) })).rejects.toMatchObject({
      code: "ERR_SESSION_TOO_LARGE",
    });
    expect(session.data).toEqual({ user: "ada" });
    await expect(
      session.update((data: Record<string, unknown>) => {
        data.blob = "y".repeat(20_000);
        data.user = "mallory";
      }),
    ).rejects.toMatchObject({ code: "ERR_SESSION_TOO_LARGE" });
    expect(session.data).toEqual({ user: "ada" });
    await session.update({ theme: "dark" });
    const next = await getSession(ev(cookieOf(e)), config);
    expect(next.data).toEqual({ user: "ada", theme: "dark" });
  });

  it("a clear that fails (store down) leaves the request with the session it had", async () => {
    const store = memoryStore();
    const config: SessionConfig = { password: PW, store };
    const e = ev();
    const session = await useSession(e, config);
    await session.update({ user: "ada" });
    const id = session.id;
    const remove = store.delete.bind(store);
    store.delete = () => Promise.reject(new Error("down"));
    await expect(session.clear()).rejects.toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
    expect(session.id).toBe(id);
    expect(session.data).toEqual({ user: "ada" });
    expect((await getSession(e, config)).data).toEqual({ user: "ada" });
    // The record is there, and a later clear that works still ends it.
    store.delete = remove;
    await session.clear();
    expect(session.id).not.toBe(id);
    expect(await store.get(id!)).toBeUndefined();
  });

  it("store down: the failed patch is undone too", async () => {
    const store = memoryStore();
    const config: SessionConfig = { password: PW, store };
    const e = ev();
    const session = await useSession(e, config);
    await session.update({ user: "ada" });
    const update = store.update.bind(store);
    store.update = () => Promise.reject(new Error("down"));
    await expect(session.update({ user: "mallory" })).rejects.toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
    expect(session.data).toEqual({ user: "ada" });
    store.update = update;
  });

  it("a session named after an Object member opens from a request without a Cookie header", async () => {
    for (const name of ["constructor", "toString", "__proto__"]) {
      const config: SessionConfig = { password: PW, name };
      const e1 = ev();
      expect((await getSession(e1, config)).data).toEqual({});
      await updateSession(e1, config, { user: "ada" });
      expect((await getSession(ev(cookieOf(e1, name)), config)).data).toEqual({ user: "ada" });
    }
  });
});
