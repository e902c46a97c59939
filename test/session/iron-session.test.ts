import { getIronSession, sealData } from "iron-session";
import { createSession as createOlderIronSession } from "iron-session-1";
import { describe, expect, it, vi } from "vitest";
import { getSession, memoryStore, type SessionConfig, toWebHandler, useSession } from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

const password = "Is2!vB7-nQ4xT9mK1wR6cL3zH8sD5gJ0pF";
type Data = { user?: string; visits?: number };

/** An iron-session app (v9, fetch style) that signs a user in. */
async function ironSessionSignIn(): Promise<string> {
  const request = new Request("http://localhost/");
  const response = new Response(null);
  const session = await getIronSession<Data>(request, response, { password, cookieName: "app" });
  session.user = "ada";
  session.visits = 3;
  await session.save();
  const line = response.headers.getSetCookie()[0] ?? "";
  return line.slice(0, line.indexOf(";"));
}

describe("moving from iron-session", () => {
  it("keeps users signed in: the iron-session cookie becomes a session, resealed at once", async () => {
    const cookie = await ironSessionSignIn();
    expect(cookie).toMatch(/^app=Fe26\.2\*1\*.*~2$/);
    const jar = new CookieJar();
    jar.cookies.set("app", cookie.slice("app=".length));
    const handler = toWebHandler(async (event) => {
      const session = await useSession<Data>(event, { password, name: "app" });
      return { id: session.id, data: session.data };
    });
    const first = await handler(new Request("http://localhost/", jar.init()));
    const lines = jar.store(first);
    const body = (await first.json()) as { id: string; data: Data };
    expect(body.data).toEqual({ user: "ada", visits: 3 });
    expect(lines).toHaveLength(1);
    expect(jar.cookies.get("app")).not.toContain("~");
    const second = await handler(new Request("http://localhost/", jar.init()));
    expect(await second.json()).toEqual(body);
    expect(second.headers.getSetCookie()).toEqual([]);
  });

  it("moves the data into a store when one is configured", async () => {
    const store = memoryStore();
    const sealed = await sealData({ user: "grace" }, { password });
    const config: SessionConfig<Data> = { password, store };
    const event = {
      req: new Request("http://localhost/", { headers: { cookie: `h3=${sealed}` } }),
      res: { headers: new Headers() },
    };
    const session = await getSession<Data>(event, config);
    expect(session.data).toEqual({ user: "grace" });
    expect((await store.get(session.id))?.data).toEqual({ user: "grace" });
  });

  it("refuses a tampered iron-session cookie like any other", async () => {
    const sealed = await sealData({ user: "mallory" }, { password });
    const onError = vi.fn();
    const tampered = sealed.replace(/\*([^*]{4})([^*]*)~2$/, "*AAAA$2~2");
    const event = { req: new Request("http://localhost/", { headers: { cookie: `h3=${tampered}` } }) };
    expect((await getSession(event, { password, onError })).data).toEqual({});
    expect(onError).toHaveBeenCalledWith("ERR_SEAL_MAC", expect.anything(), expect.anything());
  });
});

describe("moving from iron-session 1 to 5 (no `~2` marker, data under `persistent`)", () => {
  /** A cookie made by iron-session 1's own sealing path; its `ttl` is in seconds, which iron reads as ms. */
  async function olderCookie(ttl: number): Promise<string> {
    const session = await createOlderIronSession({ password, ttl });
    session.set({ name: "user", value: "ada" });
    session.set({ name: "visits", value: 3 });
    session.set({ name: "notice", value: "saved", flash: true });
    const line = await session.serializeCookie();
    return line.slice("__ironSession=".length, line.indexOf(";"));
  }
  const config = (extra: Partial<SessionConfig<Data>> = {}): SessionConfig<Data> => ({
    password,
    name: "__ironSession",
    maxAge: 3600,
    ...extra,
  });
  async function visit(token: string, options: SessionConfig<Data>) {
    const event = {
      req: new Request("http://localhost/", { headers: { cookie: `__ironSession=${token}` } }),
      res: { headers: new Headers() },
    };
    const session = await useSession<Data>(event, options);
    return { data: { ...session.data }, setCookie: event.res.headers.getSetCookie() };
  }

  it("adopts the persistent data (flash dropped, as iron-session 8 does) and reseals it in our format", async () => {
    const token = await olderCookie(0);
    expect(token).toMatch(/^Fe26\.2\*\*/);
    expect(token).not.toContain("~");
    const onError = vi.fn();
    const first = await visit(token, config({ onError }));
    expect(first.data).toEqual({ user: "ada", visits: 3 });
    expect(onError).not.toHaveBeenCalled();
    expect(first.setCookie).toHaveLength(1);
    // maxAge from the adoption (the seconds left, so 3599 when a second boundary passed meanwhile).
    expect(first.setCookie[0]).toMatch(/Max-Age=(3599|3600);/);
    const resealed = (first.setCookie[0] ?? "").split(";")[0]?.slice("__ironSession=".length) ?? "";
    const second = await visit(resealed, config());
    expect(second.data).toEqual({ user: "ada", visits: 3 });
    expect(second.setCookie).toEqual([]);
  });

  it("a token without ttl gets the configured maxAge from its adoption, not forever", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const token = await olderCookie(0);
      const first = await visit(token, config());
      const resealed = (first.setCookie[0] ?? "").split(";")[0]?.slice("__ironSession=".length) ?? "";
      vi.setSystemTime(Date.now() + 3599_000);
      expect((await visit(resealed, config())).data).toEqual({ user: "ada", visits: 3 });
      vi.setSystemTime(Date.now() + 2_000);
      const onError = vi.fn();
      expect((await visit(resealed, config({ onError }))).data).toEqual({});
      expect(onError).toHaveBeenCalledWith("ERR_SESSION_EXPIRED", expect.anything(), expect.anything());
    } finally {
      vi.useRealTimers();
    }
  });

  it("a token with ttl never outlives its own expiration, even with a longer maxAge", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      // iron-session 1 hands its ttl to iron unconverted: 600,000 "seconds" become 600 s of seal life.
      const token = await olderCookie(600_000);
      const first = await visit(token, config());
      expect(first.data).toEqual({ user: "ada", visits: 3 });
      const resealed = (first.setCookie[0] ?? "").split(";")[0]?.slice("__ironSession=".length) ?? "";
      expect(Number(/Max-Age=(\d+)/.exec(first.setCookie[0] ?? "")?.[1])).toBeLessThanOrEqual(600);
      vi.setSystemTime(Date.now() + 590_000);
      expect((await visit(resealed, config())).data).toEqual({ user: "ada", visits: 3 });
      vi.setSystemTime(Date.now() + 20_000);
      expect((await visit(resealed, config())).data).toEqual({});
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses values that only look alike: other keys beside persistent and flash", async () => {
    const { seal } = await import("../../src/seal/index.ts");
    const token = await seal({ persistent: { user: "mallory" }, id: "x" }, password);
    const onError = vi.fn();
    expect((await visit(token, config({ onError }))).data).toEqual({});
    expect(onError).toHaveBeenCalledWith("ERR_SESSION_SHAPE", expect.anything(), expect.anything());
  });
});

describe("the iron-session marker on this library's own seals", () => {
  async function ownCookie(config: SessionConfig<Data>) {
    const event = { req: new Request("http://localhost/"), res: { headers: new Headers() } };
    await useSession<Data>(event, config).then((s) => s.update({ user: "ada" }));
    const line = event.res.headers.getSetCookie()[0] ?? "";
    return line.slice("h3=".length, line.indexOf(";"));
  }
  const read = (token: string, config: SessionConfig<Data>) =>
    getSession<Data>({ req: new Request("http://localhost/", { headers: { cookie: `h3=${token}` } }) }, config);

  it("does not revive an expired session when `~2` is appended", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const onError = vi.fn();
      const config: SessionConfig<Data> = { password, maxAge: 60, onError };
      const token = await ownCookie(config);
      vi.setSystemTime(Date.now() + 61_000);
      expect((await read(`${token}~2`, config)).data).toEqual({});
      expect(onError).toHaveBeenCalledWith("ERR_SESSION_SHAPE", expect.anything(), expect.anything());
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not revive a revoked store session when `~2` is appended", async () => {
    const config: SessionConfig<Data> = { password, store: memoryStore() };
    const token = await ownCookie(config);
    const session = await read(token, config);
    await config.store?.delete(session.id, { deadline: Date.now() + 2000 });
    expect((await read(`${token}~2`, config)).data).toEqual({});
  });
});
