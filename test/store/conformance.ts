/**
 * The conformance suite every session store passes (in the spirit of
 * unstorage's `testDriver`): the store contract itself, then the behaviour
 * only a store gives, through the public session API.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
  type SessionPatch,
  type SessionStore,
  type StoredSession,
  type StoreWriteOptions,
  toNodeListener,
  toWebHandler,
  updateSession,
  useSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { repeat } from "../helpers/mutation.ts";

/** A store under test, with a way to let time pass for it. */
export interface StoreHarness {
  readonly store: SessionStore;
  /** Records the store holds now (live ones), to show what a request did or did not write. */
  count(): Promise<number>;
  /**
   * False for a store that cannot merge atomically (unstorage): it documents
   * last-writer-wins, and the parallel-merge tests are reported as skipped for it.
   */
  readonly atomicMerge: boolean;
  /** Moves the store's clock (fake clocks) or waits (real ones). Default: waits. */
  advance?(ms: number): Promise<void>;
  cleanup?(): Promise<void>;
}

type Data = { user?: string; theme?: string; blob?: string; n?: number; [key: string]: unknown };

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
/** Write options with time to spare. */
const soon = (): StoreWriteOptions => ({ deadline: Date.now() + 2000 });
/** Write options whose deadline has passed. */
const late = (): StoreWriteOptions => ({ deadline: Date.now() - 1 });
const patch = (
  set: Record<string, unknown>,
  unset: string[] = [],
  extra: Partial<SessionPatch> = {},
): SessionPatch => ({
  set,
  unset,
  ...extra,
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
    const create = (r: StoredSession, ttl: number | undefined = 60) => store.create(r, ttl, soon());
    const update = (id: string, p: SessionPatch, ttl: number | undefined = 60) => store.update(id, p, ttl, soon());
    const lists = () => {
      const list = store.listByUser;
      if (typeof list !== "function") throw new Error(`the ${name} store has no listByUser`);
      return (user: string) => list.call(store, user);
    };

    it("get, create, update and delete one record; update resolves the merged record", async () => {
      const id = newId();
      expect(await store.get(id)).toBeUndefined();
      expect(await create(record(id, { theme: "dark", nested: { a: [1, 2] } }, "ada"))).toBe(true);
      expect(await store.get(id)).toEqual(record(id, { theme: "dark", nested: { a: [1, 2] } }, "ada"));
      expect(await update(id, patch({ theme: "light" }))).toEqual(
        record(id, { theme: "light", nested: { a: [1, 2] } }, "ada"),
      );
      expect((await store.get(id))?.data).toEqual({ theme: "light", nested: { a: [1, 2] } });
      expect(await store.delete(id, soon())).toBe(true);
      expect(await store.get(id)).toBeUndefined();
      expect(await store.delete(id, soon())).toBe(false);
    });

    it("creates only if absent and updates only if present: a deleted record is never resurrected", async () => {
      const id = newId();
      expect(await update(id, patch({ v: 1 }))).toBeUndefined();
      expect(await store.get(id)).toBeUndefined();
      expect(await create(record(id, { v: 1 }))).toBe(true);
      expect(await create(record(id, { v: 2 }))).toBe(false);
      expect((await store.get(id))?.data).toEqual({ v: 1 });
      await store.delete(id, soon());
      expect(await update(id, patch({ v: 3 }))).toBeUndefined();
      expect(await store.get(id)).toBeUndefined();
    });

    it("merges a patch key by key: set, unset, undefined as unset; values come back exactly", async () => {
      const id = newId();
      const odd = { empty: [], none: {}, deep: [[], {}, [{}]], text: 'é\u2028"', zero: 0, no: false, nil: null };
      await create(record(id, { keep: 1, drop: 2, gone: 3 }));
      const merged = await update(id, patch({ ...odd, gone: undefined }, ["drop", "absent"]));
      expect(merged?.data).toEqual({ keep: 1, ...odd });
      expect((await store.get(id))?.data).toEqual({ keep: 1, ...odd });
      expect(Object.keys((await store.get(id))?.data ?? {})).not.toContain("gone");
    });

    it("an empty patch renews the ttl and changes no data", async () => {
      const id = newId();
      await create(record(id, { a: 1 }), 1);
      await advance(700);
      expect((await update(id, patch({}), 30))?.data).toEqual({ a: 1 });
      await advance(700);
      expect((await store.get(id))?.data).toEqual({ a: 1 });
    });

    it("keeps a copy: changing an object after writing or reading it does not change the store", async () => {
      const id = newId();
      const data = { list: [1] };
      await create(record(id, data));
      data.list.push(2);
      const read = await store.get(id);
      (read!.data.list as number[]).push(3);
      const nested = { deep: [1] };
      await update(id, patch({ nested }));
      nested.deep.push(2);
      expect((await store.get(id))?.data).toEqual({ list: [1], nested: { deep: [1] } });
    });

    it("refuses data that does not survive JSON, and ids that could name other keys, changing nothing", async () => {
      const id = newId();
      const bad = { when: 1n } as unknown as Record<string, unknown>;
      await expect(create(record(id, bad))).rejects.toSatisfy((e) => isSessionError(e, "ERR_SEAL_VALUE"));
      expect(await store.get(id)).toBeUndefined();
      await create(record(id, { v: 1 }));
      await expect(update(id, patch({ ok: 2, ...bad }))).rejects.toSatisfy((e) => isSessionError(e, "ERR_SEAL_VALUE"));
      expect((await store.get(id))?.data).toEqual({ v: 1 });
      for (const evil of ["user:ada", "a b", "", "x".repeat(300), "a:b"]) {
        await expect(store.get(evil)).rejects.toSatisfy((e) => isSessionError(e, "ERR_CONFIG"));
      }
    });

    it("refuses a user that is not a string (ERR_CONFIG) and writes nothing", async () => {
      for (const user of [42, { id: "ada" }, ["ada"]]) {
        const id = newId();
        const bad = { ...record(id), user } as unknown as StoredSession;
        await expect(create(bad)).rejects.toSatisfy((e) => isSessionError(e, "ERR_CONFIG"));
        expect(await store.get(id)).toBeUndefined();
        // The update path refuses it too and leaves the record as it was.
        await create(record(id, { v: 1 }, "ada"));
        const retag = patch({ v: 2 }, [], { user } as unknown as Partial<SessionPatch>);
        await expect(update(id, retag)).rejects.toSatisfy((e) => isSessionError(e, "ERR_CONFIG"));
        expect(await store.get(id)).toEqual(record(id, { v: 1 }, "ada"));
      }
    });

    it("refuses every write whose deadline has passed, leaving the record exactly as it was", async () => {
      const id = newId();
      const refused = (e: unknown) => isSessionError(e, "ERR_STORE_UNAVAILABLE");
      await expect(store.create(record(id, { v: 1 }), 60, late())).rejects.toSatisfy(refused);
      expect(await store.get(id)).toBeUndefined();
      await create(record(id, { v: 1 }, "ada"));
      await expect(store.update(id, patch({ v: 2 }, [], { user: "bob" }), 60, late())).rejects.toSatisfy(refused);
      await expect(store.delete(id, late())).rejects.toSatisfy(refused);
      expect(await store.get(id)).toEqual(record(id, { v: 1 }, "ada"));
      expect(await lists()("ada")).toContain(id);
    });

    it("tags, keeps and removes the owner as the patch says", async () => {
      const id = newId();
      const [ada, bob] = [`ada-${newId()}`, `bob-${newId()}`];
      await create(record(id, {}, ada));
      expect((await update(id, patch({ a: 1 })))?.user).toBe(ada);
      expect((await update(id, patch({}, [], { user: bob })))?.user).toBe(bob);
      expect(await lists()(ada)).toEqual([]);
      expect(await lists()(bob)).toEqual([id]);
      const untagged = await update(id, patch({}, [], { user: null }));
      expect(untagged).toEqual(record(id, { a: 1 }));
      expect(await lists()(bob)).toEqual([]);
    });

    it("expires records after their ttl; an update renews it; no ttl means no expiry", async () => {
      const user = `ttl-${newId()}`;
      const [short, renewed, forever] = [newId(), newId(), newId()];
      await create(record(short, {}, user), 1);
      await create(record(renewed, {}, user), 1);
      await create(record(forever), undefined);
      expect(await update(renewed, patch({}), 30)).toBeDefined();
      await advance(1600);
      expect(await store.get(short)).toBeUndefined();
      expect(await update(short, patch({ v: 1 }))).toBeUndefined();
      expect(await store.get(forever)).toBeDefined();
      expect(await store.get(renewed)).toBeDefined();
      expect(await lists()(user)).toEqual([renewed]);
      expect(await create(record(short))).toBe(true);
    });

    it("lists a user's live sessions, following deletes and changes of owner", async () => {
      const user = `ada-${newId()}`;
      const other = `bob/${newId()}:x`;
      const ids = [newId(), newId(), newId()];
      for (const id of ids) await create(record(id, {}, user));
      const bobs = newId();
      await create(record(bobs, {}, other));
      expect((await lists()(user)).sort()).toEqual([...ids].sort());
      await store.delete(ids[0]!, soon());
      await update(ids[1]!, patch({}, [], { user: other }));
      expect(await lists()(user)).toEqual([ids[2]]);
      expect((await lists()(other)).sort()).toEqual([bobs, ids[1]].sort());
      expect(await lists()(`nobody-${newId()}`)).toEqual([]);
    });

    it("parallel patches of different keys all land; for one key the last write wins", async (context) => {
      if (!harness.atomicMerge) context.skip("this store documents last-writer-wins: it has no atomic merge");
      const id = newId();
      await create(record(id, { base: true }));
      await Promise.all(Array.from({ length: 200 }, (_, i) => update(id, patch({ [`k${i}`]: i, same: i }))));
      const data = (await store.get(id))?.data ?? {};
      expect(Object.keys(data).filter((key) => key.startsWith("k"))).toHaveLength(200);
      expect(data.base).toBe(true);
      expect(typeof data.same).toBe("number");
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

      it("a write to a stored session sends no new cookie (the browser's still names it); one that changes the cookie does", async () => {
        const jar = new CookieJar();
        const first = await send(jar, "/set", { a: 1 });
        expect(first.setCookies).toHaveLength(1); // the first write: the record now exists
        const second = await send(jar, "/set", { b: 2 });
        expect(second.setCookies).toEqual([]);
        expect(second.body).toEqual({ id: first.body.id, data: { a: 1, b: 2 } });
        expect((await store.get(first.body.id))?.data).toEqual({ a: 1, b: 2 });
        // A flash message rides in the cookie: it is sent, and the write after reading it sends it away again.
        const flashing = plainEvent(jar);
        await (await useSession<Data>(flashing, config)).flash("notice", "saved");
        expect(flashing.res.headers.getSetCookie()).toHaveLength(1);
        jar.store(new Response(null, { headers: flashing.res.headers }));
        const reading = plainEvent(jar);
        expect(await (await useSession<Data>(reading, config)).flashes()).toEqual({ notice: "saved" });
        expect(reading.res.headers.getSetCookie()).toHaveLength(1);
        jar.store(new Response(null, { headers: reading.res.headers }));
        expect((await send(jar, "/set", { c: 3 })).setCookies).toEqual([]);
        // A new id, and a lifetime counted from the write, need a new cookie every time.
        const moved = await send(jar, "/regenerate");
        expect(moved.setCookies).toHaveLength(1);
        expect((await send(jar, "/set", { d: 4 })).setCookies).toEqual([]);
        for (const changed of [{ idleTimeout: 600 }, { cookie: { maxAge: 600 } }, { seal: { ttl: 600_000 } }]) {
          const other = toWebHandler(eventHandler((event) => route(event, { ...config, ...changed })));
          const own = new CookieJar();
          for (const n of [1, 2]) {
            const response = await other(
              new Request("http://localhost/set", own.init({ method: "POST", body: `{"n":${n}}` })),
            );
            expect(own.store(response), JSON.stringify(changed)).toHaveLength(1);
          }
        }
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

      it("anonymous traffic writes no record: 10,000 cookieless requests through useSession", async () => {
        const anonymous = toWebHandler(
          eventHandler(async (event) => (await useSession<Data>(event, config)).id ?? null),
        );
        const before = await harness.count();
        for (let i = 0; i < repeat(10_000, 1000); i += 500) {
          const batch = Array.from({ length: 500 }, () => anonymous(new Request("http://localhost/")));
          for (const response of await Promise.all(batch)) expect(response.headers.getSetCookie()).toHaveLength(1);
        }
        expect(await harness.count()).toBe(before);
      });

      it("an unstored session keeps its id across requests, and its first data creates the record under it", async () => {
        const jar = new CookieJar();
        const before = await harness.count();
        const first = await send(jar, "/use");
        const again = await send(jar, "/use");
        expect(again.body.id).toBe(first.body.id);
        expect(await harness.count()).toBe(before);
        errors.length = 0;
        const written = await send(jar, "/set", { theme: "dark" });
        expect(written.body).toEqual({ id: first.body.id, data: { theme: "dark" } });
        expect((await store.get(first.body.id))?.data).toEqual({ theme: "dark" });
        expect((await send(jar, "/")).body.data).toEqual({ theme: "dark" });
        expect(errors).toEqual([]);
      });

      it("a request holding the unstored cookie sees the record a parallel request created, and merges into it", async () => {
        const jar = new CookieJar();
        const { body } = await send(jar, "/use");
        const stale = new CookieJar();
        for (const [key, value] of jar.cookies) stale.cookies.set(key, value);
        await send(jar, "/set", { theme: "dark" });
        expect((await send(stale, "/")).body).toEqual({ id: body.id, data: { theme: "dark" } });
        const merged = await send(stale, "/set", { n: 1 });
        expect(merged.body.data).toEqual({ theme: "dark", n: 1 });
        expect((await store.get(body.id))?.data).toEqual({ theme: "dark", n: 1 });
      });

      it("a request's data after its own update shows what parallel requests wrote", async () => {
        const jar = new CookieJar();
        await send(jar, "/set", { n: 0 });
        const slow = plainEvent(jar);
        await getSession(slow, config);
        await send(jar, "/set", { theme: "dark" });
        const session = await updateSession(slow, config, { blob: "b" });
        expect(session.data).toEqual({ n: 0, theme: "dark", blob: "b" });
      });

      it("a slide (idle timeout) never overwrites data a parallel request wrote", async () => {
        const idle: SessionConfig<Data> = { ...config, idleTimeout: 60 };
        const jar = new CookieJar();
        const idleApp = toWebHandler(eventHandler((event) => route(event, idle)));
        const first = await idleApp(new Request("http://localhost/set", jar.init({ method: "POST", body: '{"n":1}' })));
        jar.store(first);
        const { id } = await first.json();
        vi.useFakeTimers({ now: Date.now() + 40_000, toFake: ["Date"] });
        try {
          const sliding = plainEvent(jar);
          const reading = getSession(sliding, idle);
          await updateSession(plainEvent(jar), idle, { theme: "dark" });
          await reading;
          // The reader resealed its cookie (slid) after the other request wrote.
          expect(sliding.res.headers.getSetCookie()).toHaveLength(1);
        } finally {
          vi.useRealTimers();
        }
        expect((await store.get(id))?.data).toEqual({ n: 1, theme: "dark" });
      });

      it("200 parallel requests over HTTP, each setting its own key, all land; a later clear still wins", async (context) => {
        if (!harness.atomicMerge) context.skip("this store documents last-writer-wins: it has no atomic merge");
        const parallel = repeat(200, 40);
        const server = createServer(toNodeListener(eventHandler((event) => route(event, config))));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
          const jar = new CookieJar();
          const signIn = await fetch(`${base}/set`, jar.init({ method: "POST", body: '{"user":"pat"}' }));
          jar.store(signIn);
          const { id } = await signIn.json();
          const cookie = jar.header();
          const statuses = await Promise.all(
            Array.from({ length: parallel }, async (_, i) => {
              const response = await fetch(`${base}/set`, {
                method: "POST",
                headers: { cookie },
                body: `{"k${i}":${i}}`,
              });
              await response.arrayBuffer();
              return response.status;
            }),
          );
          expect(statuses.filter((status) => status === 200)).toHaveLength(parallel);
          const data = (await store.get(id))?.data ?? {};
          expect(Object.keys(data).filter((key) => /^k\d+$/.test(key))).toHaveLength(parallel);
          expect(data.user).toBe("pat");
          await (await fetch(`${base}/logout`, { headers: { cookie } })).arrayBuffer();
          await Promise.all(
            Array.from({ length: 20 }, async (_, i) => {
              const response = await fetch(`${base}/set`, { method: "POST", headers: { cookie }, body: `{"z${i}":1}` });
              await response.arrayBuffer();
            }),
          );
          expect(await store.get(id)).toBeUndefined();
        } finally {
          await new Promise((resolve) => server.close(resolve));
        }
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
    case "/use": {
      const session = await useSession<Data>(event, config);
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
