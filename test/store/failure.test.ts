import { describe, expect, it, vi } from "vitest";
import {
  eventHandler,
  memoryStore,
  type SessionConfig,
  type SessionStore,
  toWebHandler,
  updateSession,
  useSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

type Mode = "ok" | "hang" | "fail";

/** A memory store that can be made to hang or throw on every call. */
function faultyStore(): SessionStore & { mode: Mode } {
  const inner = memoryStore();
  const gate = <T>(call: () => Promise<T>): Promise<T> => {
    if (faulty.mode === "hang") return new Promise<T>(() => {});
    if (faulty.mode === "fail") return Promise.reject(new Error("ECONNRESET"));
    return call();
  };
  const faulty: SessionStore & { mode: Mode } = {
    name: "faulty",
    mode: "ok",
    get: (id) => gate(() => inner.get(id)),
    create: (record, ttl, options) => gate(() => inner.create(record, ttl, options)),
    update: (id, patch, ttl, options) => gate(() => inner.update(id, patch, ttl, options)),
    delete: (id, options) => gate(() => inner.delete(id, options)),
  };
  return faulty;
}

const store = faultyStore();
const config: SessionConfig<{ n?: number }> = {
  password: "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u",
  store,
  storeTimeout: 150,
};
const app = toWebHandler(
  eventHandler(async (event) => {
    if (event.method === "POST") return (await updateSession(event, config, (d) => ({ n: (d.n ?? 0) + 1 }))).data;
    if (event.url.pathname === "/logout") return (await useSession(event, config)).clear().then(() => null);
    return (await useSession(event, config)).data;
  }),
);

async function timed(jar: CookieJar, path = "/", method = "GET") {
  const started = performance.now();
  const response = await app(new Request(`http://localhost${path}`, jar.init({ method })));
  const ms = performance.now() - started;
  return { ms, status: response.status, setCookies: jar.store(response), body: await response.json() };
}

describe("a failing store fails the request closed, fast", () => {
  // The adapters log every 5xx; here they are expected.
  vi.spyOn(console, "error").mockImplementation(() => {});
  it.each(["hang", "fail"] as const)(
    "store that %ss: 503 ERR_STORE_UNAVAILABLE, no cookie, data intact after",
    async (mode) => {
      const jar = new CookieJar();
      await timed(jar, "/", "POST");
      const cookie = jar.header();
      expect(cookie).toMatch(/^h3=Fe26/);
      store.mode = mode;
      const fresh = new CookieJar();
      for (const [who, path, method] of [
        [jar, "/", "GET"],
        [jar, "/", "POST"],
        [jar, "/logout", "GET"],
      ] as const) {
        const result = await timed(who, path, method);
        expect(result.status).toBe(503);
        expect(result.body.code).toBe("ERR_STORE_UNAVAILABLE");
        // Never a cookie pointing at a record that was not written, never a logout that did not happen.
        expect(result.setCookies).toEqual([]);
        expect(result.ms).toBeLessThan(150 + 400);
      }
      // A new visitor needs no record, so the outage does not reach them: a session, no store call.
      const visitor = await timed(fresh, "/", "GET");
      expect(visitor.status).toBe(200);
      expect(visitor.body).toEqual({});
      store.mode = "ok";
      expect(jar.header()).toBe(cookie);
      expect((await timed(jar)).body).toEqual({ n: 1 });
    },
  );
});

describe("store calls", () => {
  const event = () => ({ req: new Request("http://localhost/"), res: { headers: new Headers() }, context: {} });
  const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";

  it("a store that does not answer in time fails with a message naming the call and the limit", async () => {
    const never = () => new Promise<never>(() => {});
    const hanging: SessionStore = { name: "hanging", get: never, create: never, update: never, delete: never };
    await expect(updateSession(event(), { password, store: hanging, storeTimeout: 20 }, { a: 1 })).rejects.toThrow(
      expect.objectContaining({
        code: "ERR_STORE_UNAVAILABLE",
        message: "session store did not answer create within 20 ms",
      }),
    );
  });

  it("a store that throws fails as unavailable, keeping what it threw as the cause", async () => {
    const cause = new Error("ECONNRESET");
    const broken: SessionStore = { ...memoryStore(), name: "broken", create: () => Promise.reject(cause) };
    const error = await updateSession(event(), { password, store: broken }, { a: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_STORE_UNAVAILABLE", message: "session store failed on create", cause });
  });

  it("a SessionError a store throws keeps its code: a bad generated id is a configuration mistake", async () => {
    const config = { password, store: memoryStore(), generateId: () => "not an id" };
    await expect(updateSession(event(), config, { a: 1 })).rejects.toThrow(
      expect.objectContaining({
        code: "ERR_CONFIG",
        message: "sealed-session: session ids must be 1–256 characters of A–Z a–z 0–9 _ - . ~ + / = (check generateId)",
      }),
    );
  });

  it("a call that settles leaves no timer behind", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const store = memoryStore({ sweepInterval: 0 });
      await updateSession(event(), { password, store }, { a: 1 });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
