/**
 * The conformance suite every session store passes (in the spirit of
 * unstorage's `testDriver`): the store contract itself, then the behaviour
 * only a store gives, through the public session API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AnyEvent,
  clearSession,
  eventHandler,
  getSession,
  isSessionError,
  listUserSessions,
  regenerateSession,
  revokeUserSessions,
  type SessionConfig,
  type SessionErrorCode,
  type SessionStore,
  type StoredSession,
  toWebHandler,
  updateSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

/** A store under test, with a way to let time pass for it. */
export interface StoreHarness {
  readonly store: SessionStore;
  /** Moves the store's clock (fake clocks) or waits (real ones). Default: waits. */
  advance?(ms: number): Promise<void>;
  cleanup?(): Promise<void>;
}

type Data = { user?: string; theme?: string; blob?: string; n?: number };

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let counter = 0;
/** Ids as `generateId` makes them, unique per test. */
const newId = () => `${crypto.randomUUID()}-${++counter}`;
const record = (id: string, data: Record<string, unknown> = {}, user?: string): StoredSession => ({
  id,
  createdAt: 1_700_000_000_000,
  data,
  ...(user === undefined ? {} : { user }),
});

/** Runs the conformance suite against the store `makeStore` builds (once per suite). */
export function testStore(name: string, makeStore: () => StoreHarness | Promise<StoreHarness>): void {
  describe(`store conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: SessionStore;
    const advance = (ms: number) => (harness.advance ? harness.advance(ms) : sleep(ms));
    beforeAll(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.cleanup?.();
    });

    it("get, create, update and delete one record", async () => {
      const id = newId();
      expect(await store.get(id)).toBeUndefined();
      expect(await store.set(id, record(id, { theme: "dark", nested: { a: [1, 2] } }, "ada"), 60, "create")).toBe(true);
      expect(await store.get(id)).toEqual(record(id, { theme: "dark", nested: { a: [1, 2] } }, "ada"));
      expect(await store.set(id, record(id, { theme: "light" }, "ada"), 60, "update")).toBe(true);
      expect((await store.get(id))?.data).toEqual({ theme: "light" });
      expect(await store.delete(id)).toBe(true);
      expect(await store.get(id)).toBeUndefined();
      expect(await store.delete(id)).toBe(false);
    });

    it("creates only if absent and updates only if present: a deleted record is never resurrected", async () => {
      const id = newId();
      expect(await store.set(id, record(id, { v: 1 }), 60, "update")).toBe(false);
      expect(await store.get(id)).toBeUndefined();
      expect(await store.set(id, record(id, { v: 1 }), 60, "create")).toBe(true);
      expect(await store.set(id, record(id, { v: 2 }), 60, "create")).toBe(false);
      expect((await store.get(id))?.data).toEqual({ v: 1 });
      await store.delete(id);
      expect(await store.set(id, record(id, { v: 3 }), 60, "update")).toBe(false);
      expect(await store.get(id)).toBeUndefined();
    });

    it("keeps a copy: changing an object after writing or reading it does not change the store", async () => {
      const id = newId();
      const data = { list: [1] };
      await store.set(id, record(id, data), 60, "create");
      data.list.push(2);
      const read = await store.get(id);
      (read!.data.list as number[]).push(3);
      expect((await store.get(id))?.data).toEqual({ list: [1] });
    });

    it("refuses data that does not survive JSON, and ids that could name other keys", async () => {
      const id = newId();
      const bad = record(id, { when: 1n } as unknown as Record<string, unknown>);
      await expect(store.set(id, bad, 60, "create")).rejects.toSatisfy((e) => isSessionError(e, "ERR_SEAL_VALUE"));
      expect(await store.get(id)).toBeUndefined();
      for (const evil of ["user:ada", "a b", "", "x".repeat(300), "a:b"]) {
        await expect(store.get(evil)).rejects.toSatisfy((e) => isSessionError(e, "ERR_CONFIG"));
      }
    });

    it("refuses a user that is not a string (ERR_CONFIG) and writes nothing", async () => {
      for (const user of [42, null, { id: "ada" }, ["ada"]]) {
        const id = newId();
        const bad = { ...record(id), user } as unknown as StoredSession;
        await expect(store.set(id, bad, 60, "create")).rejects.toSatisfy((e) => isSessionError(e, "ERR_CONFIG"));
        expect(await store.get(id)).toBeUndefined();
        // The update path refuses it too and leaves the record as it was.
        await store.set(id, record(id, { v: 1 }, "ada"), 60, "create");
        await expect(store.set(id, bad, 60, "update")).rejects.toSatisfy((e) => isSessionError(e, "ERR_CONFIG"));
        expect(await store.get(id)).toEqual(record(id, { v: 1 }, "ada"));
      }
    });

    it("touch after a delete returns false and brings back neither the record nor its listing", async () => {
      if (!store.touch) return;
      const user = `touch-${newId()}`;
      const id = newId();
      await store.set(id, record(id, { v: 1 }, user), 60, "create");
      expect(await store.delete(id)).toBe(true);
      expect(await store.touch(id, 60)).toBe(false);
      expect(await store.get(id)).toBeUndefined();
      if (store.listByUser) expect(await store.listByUser(user)).toEqual([]);
      expect(await store.set(id, record(id, { v: 2 }, user), 60, "update")).toBe(false);
    });

    it("expires records after their ttl; touch extends it; no ttl means no expiry", async () => {
      const [short, touched, forever] = [newId(), newId(), newId()];
      await store.set(short, record(short, {}, "ttl-user"), 1, "create");
      await store.set(touched, record(touched, {}, "ttl-user"), 1, "create");
      await store.set(forever, record(forever), undefined, "create");
      if (store.touch) expect(await store.touch(touched, 30)).toBe(true);
      await advance(1600);
      expect(await store.get(short)).toBeUndefined();
      expect(await store.set(short, record(short), 60, "update")).toBe(false);
      expect(await store.get(forever)).toBeDefined();
      if (store.touch) {
        expect(await store.get(touched)).toBeDefined();
        expect(await store.touch(short, 30)).toBe(false);
        if (store.listByUser) expect(await store.listByUser("ttl-user")).toEqual([touched]);
      }
      expect(await store.set(short, record(short), 60, "create")).toBe(true);
    });

    it("lists a user's live sessions, following deletes and changes of owner", async () => {
      if (!store.listByUser) return;
      const user = `ada-${newId()}`;
      const other = `bob/${newId()}:x`;
      const ids = [newId(), newId(), newId()];
      for (const id of ids) await store.set(id, record(id, {}, user), 60, "create");
      const bobs = newId();
      await store.set(bobs, record(bobs, {}, other), 60, "create");
      expect((await store.listByUser(user)).sort()).toEqual([...ids].sort());
      await store.delete(ids[0]!);
      await store.set(ids[1]!, record(ids[1]!, {}, other), 60, "update");
      expect(await store.listByUser(user)).toEqual([ids[2]]);
      expect((await store.listByUser(other)).sort()).toEqual([bobs, ids[1]].sort());
      expect(await store.listByUser(`nobody-${newId()}`)).toEqual([]);
    });

    describe("through the session API", () => {
      const errors: SessionErrorCode[] = [];
      let config: SessionConfig<Data>;
      let app: (request: Request) => Promise<Response>;
      beforeAll(() => {
        config = {
          password,
          store,
          userId: (data) => data.user,
          onError: (code) => errors.push(code),
        };
        app = toWebHandler(eventHandler((event) => route(event, config)));
      });
      const send = async (jar: CookieJar, path: string, body?: Data) => {
        const init = body ? { method: "POST", body: JSON.stringify(body) } : {};
        const response = await app(new Request(`http://localhost${path}`, jar.init(init)));
        const setCookies = jar.store(response);
        const text = await response.text();
        return { status: response.status, setCookies, body: text ? JSON.parse(text) : undefined };
      };

      it("keeps the data in the store; the cookie only references it", async () => {
        const jar = new CookieJar();
        const blob = "x".repeat(8000);
        const { body, setCookies } = await send(jar, "/set", { blob, theme: "dark" });
        expect(setCookies).toHaveLength(1);
        expect(setCookies[0]!.length).toBeLessThan(600);
        expect((await store.get(body.id))?.data).toEqual({ blob, theme: "dark" });
        expect((await send(jar, "/")).body).toEqual({ id: body.id, data: { blob, theme: "dark" } });
      });

      it("clear deletes the record: replaying the old cookie yields a fresh session", async () => {
        const jar = new CookieJar();
        const { body } = await send(jar, "/set", { user: "carol" });
        const stolen = jar.header();
        const logout = await send(jar, "/logout");
        expect(logout.setCookies.some((line) => /Max-Age=0/i.test(line))).toBe(true);
        expect(await store.get(body.id)).toBeUndefined();
        errors.length = 0;
        const replay = await app(new Request("http://localhost/", { headers: { cookie: stolen } }));
        const replayed = await replay.json();
        expect(replayed.id).not.toBe(body.id);
        expect(replayed.data).toEqual({});
        expect(errors).toEqual(["ERR_STORE_MISSING"]);
      });

      it("regenerate moves the data to a new id and kills the old one", async () => {
        const jar = new CookieJar();
        const first = await send(jar, "/set", { theme: "dark" });
        const oldCookie = jar.header();
        const moved = await send(jar, "/regenerate");
        expect(moved.body.id).not.toBe(first.body.id);
        expect(moved.body.data).toEqual({ theme: "dark" });
        expect(await store.get(first.body.id)).toBeUndefined();
        expect((await store.get(moved.body.id))?.data).toEqual({ theme: "dark" });
        expect((await send(jar, "/")).body).toEqual(moved.body);
        const replay = await (await app(new Request("http://localhost/", { headers: { cookie: oldCookie } }))).json();
        expect(replay.data).toEqual({});
      });

      it("lists a user's sessions and revokes them all ('log out everywhere'), except one if asked", async () => {
        const user = `dave-${newId()}`;
        const jars = [new CookieJar(), new CookieJar(), new CookieJar()];
        const ids: string[] = [];
        for (const jar of jars) ids.push((await send(jar, "/set", { user })).body.id);
        const bystander = new CookieJar();
        await send(bystander, "/set", { user: `erin-${newId()}` });
        const listed = await listUserSessions(config, user);
        expect(listed.map((s) => s.id).sort()).toEqual([...ids].sort());
        expect(listed[0]?.data).toEqual({ user });

        expect(await revokeUserSessions(config, user, { except: ids[0]! })).toBe(2);
        expect((await send(jars[0]!, "/")).body.data).toEqual({ user });
        expect(await revokeUserSessions(config, user)).toBe(1);
        for (const jar of jars) expect((await send(jar, "/")).body.data).toEqual({});
        expect(await listUserSessions(config, user)).toEqual([]);
        expect((await send(bystander, "/")).body.data.user).toMatch(/^erin-/);
      });

      it("the logout race: a request that loaded before a logout and saves after it does not bring it back", async () => {
        const jar = new CookieJar();
        const { body } = await send(jar, "/set", { user: "frank" });
        const slow = plainEvent(jar);
        expect((await getSession(slow, config)).data).toEqual({ user: "frank" });
        await send(jar, "/logout");
        errors.length = 0;
        await updateSession(slow, config, { theme: "late" });
        expect(await store.get(body.id)).toBeUndefined();
        expect(slow.res.headers.getSetCookie().join()).toMatch(/h3=;.*Max-Age=0/i);
        expect(errors).toEqual(["ERR_STORE_MISSING"]);
      });

      it("the same race on regenerate: a session revoked meanwhile does not live on under a new id", async () => {
        const jar = new CookieJar();
        const { body } = await send(jar, "/set", { user: "grace" });
        const loaded = plainEvent(jar);
        await getSession(loaded, config);
        await revokeUserSessions(config, "grace");
        const regenerated = await regenerateSession(loaded, config);
        expect(await store.get(body.id)).toBeUndefined();
        expect(await store.get(regenerated.id)).toBeUndefined();
        expect(loaded.res.headers.getSetCookie().join()).toMatch(/h3=;.*Max-Age=0/i);
      });

      it("parallel updates in one request all land in the record", async () => {
        const jar = new CookieJar();
        const { body } = await send(jar, "/set", { n: 0 });
        const event = plainEvent(jar);
        await Promise.all(
          Array.from({ length: 8 }, (_, i) => updateSession(event, config, { [`k${i}`]: i } as Partial<Data>)),
        );
        expect(Object.keys((await store.get(body.id))?.data ?? {}).sort()).toEqual(
          ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "n"].sort(),
        );
      });
    });
  });
}

/** A `{ req, res }` event: lets a test interleave the steps of two requests by hand. */
function plainEvent(jar: CookieJar): { req: Request; res: { headers: Headers } } {
  return { req: new Request("http://localhost/", jar.init()), res: { headers: new Headers() } };
}

async function route(event: AnyEvent & { url: URL; req: Request }, config: SessionConfig<Data>): Promise<unknown> {
  switch (event.url.pathname) {
    case "/set": {
      const session = await updateSession(event, config, (await event.req.json()) as Data);
      return { id: session.id, data: session.data };
    }
    case "/logout":
      await clearSession(event, config);
      return null;
    case "/regenerate": {
      const session = await regenerateSession(event, config);
      return { id: session.id, data: session.data };
    }
    default: {
      const session = await getSession(event, config);
      return { id: session.id, data: session.data };
    }
  }
}
