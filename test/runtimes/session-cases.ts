/**
 * The session conformance suite: plain async cases with no test-runner
 * imports, run by `conformance-runner.ts` on Node, Bun, Deno and workerd (and
 * by vitest through `test/session/conformance.test.ts`). Only the public API
 * of `src/index.ts` is used, through `toWebHandler` (fetch-style) and plain
 * `{ req: Request, res: { headers: Headers } }` events, with a tiny cookie jar.
 */
import {
  clearSession,
  getSession,
  memoryStore,
  type SessionConfig,
  type SessionErrorCode,
  toWebHandler,
  updateSession,
  useSession,
  type WebHandler,
} from "../../src/index.ts";
import { assert, assertEqual } from "../seal/conformance.ts";

/** Which crypto backend the session configs use: the platform's own (`{}`) or the WebCrypto passed in. */
export interface SessionCaseOptions {
  readonly crypto?: Crypto;
}

export interface SessionCase {
  readonly name: string;
  run(options: SessionCaseOptions): Promise<void>;
}

/** Test secrets only: long and random-looking, never used outside this suite. */
const SECRET = "q7Vx2LmR9tKc4ZpW8sNf3HbJ6yDe1GuA5oXi0TlQwEr";
const OLD_SECRET = "Zr4kP9wXc2Nq7LmT5vBh8JsD3fYg6UeA1iKo0RtWxMn";
const ORIGIN = "https://app.example";

export const sessionCases: SessionCase[] = [
  {
    name: "useSession persists a new session and keeps its id on the next request",
    async run(o) {
      const app = toWebHandler(async (event) => {
        const session = await useSession(event, config(o));
        return { id: session.id, data: session.data };
      });
      const jar = new CookieJar();
      const first = await jar.visit(app);
      const written = first.headers.getSetCookie();
      assertEqual(written.length, 1);
      const line = written[0] ?? "";
      assert(line.startsWith("h3=Fe26.2*"), `a sealed h3 cookie, got ${line.slice(0, 40)}`);
      for (const attribute of ["Path=/", "HttpOnly", "Secure", "SameSite=Lax"]) {
        assert(line.split("; ").includes(attribute), `attribute ${attribute} in ${line.replace(/=Fe26[^;]*/, "=…")}`);
      }
      const a = (await first.json()) as { id: string; data: object };
      assert(typeof a.id === "string" && a.id.length > 0, "an id");
      assertEqual(a.data, {});
      const second = await jar.visit(app);
      const b = (await second.json()) as { id: string };
      assertEqual(b.id, a.id);
      assertEqual(second.headers.getSetCookie(), []);
    },
  },
  {
    name: "getSession on an anonymous request writes no cookie",
    async run(o) {
      const cfg = config(o);
      const app = toWebHandler(async (event) => {
        const session = await getSession(event, cfg);
        return { id: session.id, data: session.data };
      });
      const response = await app(new Request(`${ORIGIN}/`));
      assertEqual(response.headers.getSetCookie(), []);
      const body = (await response.json()) as { id: string; data: object };
      assert(typeof body.id === "string" && body.id.length > 0, "an id");
      assertEqual(body.data, {});
      const event = plainEvent(new CookieJar());
      const session = await getSession(event, cfg);
      assertEqual(session.data, {});
      assertEqual(event.res.headers.getSetCookie(), []);
    },
  },
  {
    name: "update merges patches and applies function updaters (plain events)",
    async run(o) {
      const cfg = config<{ a?: number; b?: number; c?: number; m?: string }>(o);
      const jar = new CookieJar();
      const event = plainEvent(jar);
      await updateSession(event, cfg, { a: 1, b: 1 });
      await updateSession(event, cfg, { b: 2 });
      await updateSession(event, cfg, (data) => ({ c: (data.a ?? 0) + 1 }));
      const session = await updateSession(event, cfg, (data) => {
        data.m = "mutated";
      });
      const expected = { a: 1, b: 2, c: 2, m: "mutated" };
      assertEqual(session.data, expected);
      assertEqual(event.res.headers.getSetCookie().length, 1);
      jar.store(event.res.headers);
      const next = plainEvent(jar);
      const read = await getSession(next, cfg);
      assertEqual(read.id, session.id);
      assertEqual(read.data, expected);
      assertEqual(next.res.headers.getSetCookie(), []);
    },
  },
  {
    name: "clear deletes the cookie (Max-Age=0) and a later update in the same request starts fresh",
    async run(o) {
      const cfg = config<{ user?: string; fresh?: boolean }>(o);
      const app = toWebHandler(async (event) => {
        const session = await useSession(event, cfg);
        const before = session.id;
        const action = event.url.pathname;
        if (action === "/login") await session.update({ user: "ada" });
        if (action === "/logout" || action === "/switch") await session.clear();
        if (action === "/switch") await session.update({ fresh: true });
        return { before, after: session.id, data: session.data };
      });
      const jar = new CookieJar();
      const login = (await (await jar.visit(app, "/login")).json()) as { after: string };
      assertEqual(jar.names(), ["h3"]);

      const logout = await jar.visit(app, "/logout");
      const lines = logout.headers.getSetCookie();
      assertEqual(lines.length, 1);
      assert(/^h3=;/.test(lines[0] ?? "") && /; Max-Age=0(;|$)/.test(lines[0] ?? ""), `a deletion, got ${lines[0]}`);
      const out = (await logout.json()) as { before: string; after: string; data: object };
      assertEqual(out.before, login.after);
      assert(out.after !== login.after, "a new id after clear");
      assertEqual(out.data, {});
      assertEqual(jar.names(), []);

      await jar.visit(app, "/login");
      const seeded = jar.get("h3");
      const switched = await jar.visit(app, "/switch");
      const body = (await switched.json()) as { before: string; after: string; data: object };
      assert(body.after !== body.before, "the update after clear has a new id");
      assertEqual(body.data, { fresh: true });
      const written = switched.headers.getSetCookie();
      assertEqual(written.length, 1);
      assert((written[0] ?? "").startsWith("h3=Fe26.2*"), "the fresh session is written");
      assert(jar.get("h3") !== seeded, "the cookie changed");
      const again = (await (await jar.visit(app)).json()) as { before: string; data: object };
      assertEqual(again.before, body.after);
      assertEqual(again.data, { fresh: true });
    },
  },
  {
    name: "a tampered cookie yields a fresh session and calls onError with ERR_SEAL_MAC",
    async run(o) {
      const errors: SessionErrorCode[] = [];
      const cfg = config<{ user?: string }>(o, { onError: (code) => errors.push(code) });
      const app = toWebHandler(async (event) => {
        if (event.url.pathname === "/login") await updateSession(event, cfg, { user: "ada" });
        const session = await getSession(event, cfg);
        return { id: session.id, data: session.data };
      });
      const jar = new CookieJar();
      const login = (await (await jar.visit(app, "/login")).json()) as { id: string };
      const token = jar.get("h3") ?? "";
      const parts = token.split("*");
      assertEqual(parts.length, 8);
      const mac = parts[7] ?? "";
      parts[7] = `${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`;
      jar.set("h3", parts.join("*"));
      const response = await jar.visit(app);
      const body = (await response.json()) as { id: string; data: object };
      assertEqual(body.data, {});
      assert(body.id !== login.id, "a fresh id");
      assertEqual(errors, ["ERR_SEAL_MAC"]);
      assertEqual(response.headers.getSetCookie(), []);
    },
  },
  {
    name: "rotation reseals an old-password cookie under the newest id",
    async run(o) {
      const before = config<{ user?: string }>(o, { password: { id: "k1", secret: OLD_SECRET } });
      const rotated = config<{ user?: string }>(o, {
        password: [
          { id: "k2", secret: SECRET },
          { id: "k1", secret: OLD_SECRET },
        ],
      });
      const jar = new CookieJar();
      const seed = plainEvent(jar);
      const seeded = await updateSession(seed, before, { user: "ada" });
      jar.store(seed.res.headers);
      assertEqual((jar.get("h3") ?? "").split("*")[1], "k1");

      const event = plainEvent(jar);
      const session = await getSession(event, rotated);
      assertEqual(session.id, seeded.id);
      assertEqual(session.data, { user: "ada" });
      assertEqual(event.res.headers.getSetCookie().length, 1);
      jar.store(event.res.headers);
      assertEqual((jar.get("h3") ?? "").split("*")[1], "k2");

      const newestOnly = config<{ user?: string }>(o, { password: { id: "k2", secret: SECRET } });
      const later = plainEvent(jar);
      const read = await getSession(later, newestOnly);
      assertEqual(read.id, seeded.id);
      assertEqual(read.data, { user: "ada" });
      assertEqual(later.res.headers.getSetCookie(), []);
    },
  },
  {
    name: "a ~9 KB session is chunked (h3=__chunked__N, h3.1…) and reads back; shrinking deletes the chunks",
    async run(o) {
      const cfg = config<{ blob?: string }>(o);
      const blob = Array.from({ length: 9000 }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7919) % 36]).join(
        "",
      );
      const app = toWebHandler(async (event) => {
        const size = event.url.searchParams.get("size");
        if (size === "big") await updateSession(event, cfg, { blob });
        if (size === "small") await updateSession(event, cfg, { blob: "small" });
        const session = await getSession(event, cfg);
        return { id: session.id, length: session.data.blob?.length ?? 0, same: session.data.blob === blob };
      });
      const jar = new CookieJar();
      const big = await jar.visit(app, "/?size=big");
      const lines = big.headers.getSetCookie();
      const marker = /^h3=__chunked__(\d+);/.exec(lines[0] ?? "");
      assert(marker, `a chunk marker first, got ${(lines[0] ?? "").slice(0, 30)}`);
      const count = Number(marker[1]);
      assert(count >= 3 && count <= 4, `3 or 4 chunks, got ${count}`);
      assertEqual(lines.length, count + 1);
      for (let i = 1; i <= count; i++) {
        const line = lines[i] ?? "";
        assert(line.startsWith(`h3.${i}=`), `chunk ${i} in order`);
        assert(line.length <= 4096, `chunk ${i} fits one cookie (${line.length} bytes)`);
      }
      const written = (await big.json()) as { id: string; length: number; same: boolean };
      assertEqual(written.length, 9000);
      assertEqual(jar.names(), ["h3", ...Array.from({ length: count }, (_, i) => `h3.${i + 1}`)]);

      const read = await jar.visit(app);
      assertEqual(read.headers.getSetCookie(), []);
      assertEqual(await read.json(), { id: written.id, length: 9000, same: true });

      const small = await jar.visit(app, "/?size=small");
      const after = small.headers.getSetCookie();
      assertEqual(after.length, count + 1);
      assert((after[0] ?? "").startsWith("h3=Fe26.2*"), "one plain cookie again");
      for (const line of after.slice(1)) assert(/^h3\.\d+=;.*; Max-Age=0(;|$)/.test(line), `a chunk deletion: ${line}`);
      assertEqual(jar.names(), ["h3"]);
      assertEqual(((await small.json()) as { id: string }).id, written.id);
    },
  },
  {
    name: "maxAge: a session older than maxAge is replaced (ERR_SESSION_EXPIRED), with Date.now moved",
    async run(o) {
      const errors: SessionErrorCode[] = [];
      const cfg = config<{ user?: string }>(o, { maxAge: 3600, onError: (code) => errors.push(code) });
      const jar = new CookieJar();
      const seed = plainEvent(jar);
      const seeded = await updateSession(seed, cfg, { user: "ada" });
      jar.store(seed.res.headers);
      const line = seed.res.headers.getSetCookie()[0] ?? "";
      assert(/; Max-Age=(3599|3600);/.test(line), `Max-Age follows maxAge: ${line.replace(/=Fe26[^;]*/, "=…")}`);

      const mid = plainEvent(jar);
      const alive = await withClock(1800_000, () => getSession(mid, cfg));
      assertEqual(alive.id, seeded.id);
      assertEqual(alive.data, { user: "ada" });
      assertEqual(mid.res.headers.getSetCookie(), []);

      const late = plainEvent(jar);
      const expired = await withClock(3630_000, () => getSession(late, cfg));
      assert(expired.id !== seeded.id, "a fresh id after maxAge");
      assertEqual(expired.data, {});
      assertEqual(errors, ["ERR_SESSION_EXPIRED"]);
    },
  },
  {
    name: "idleTimeout: reads slide the window past its half and an idle session expires, with Date.now moved",
    async run(o) {
      const errors: SessionErrorCode[] = [];
      const cfg = config<{ user?: string }>(o, { idleTimeout: 600, onError: (code) => errors.push(code) });
      const jar = new CookieJar();
      const seed = plainEvent(jar);
      const seeded = await updateSession(seed, cfg, { user: "ada" });
      jar.store(seed.res.headers);

      const read = async (offset: number) => {
        const event = plainEvent(jar);
        const session = await withClock(offset, () => getSession(event, cfg));
        const written = event.res.headers.getSetCookie().length;
        jar.store(event.res.headers);
        return { id: session.id, data: session.data, written };
      };
      assertEqual(await read(200_000), { id: seeded.id, data: { user: "ada" }, written: 0 });
      assertEqual(await read(400_000), { id: seeded.id, data: { user: "ada" }, written: 1 });
      // 900 s after creation but 500 s after the slide: still alive, and slid again.
      assertEqual(await read(900_000), { id: seeded.id, data: { user: "ada" }, written: 1 });
      assertEqual(errors, []);
      const idle = await read(1530_000);
      assert(idle.id !== seeded.id, "a fresh id after idleTimeout");
      assertEqual(idle.data, {});
      assertEqual(errors, ["ERR_SESSION_EXPIRED"]);
    },
  },
  {
    name: "memoryStore: the cookie holds a reference; after clear, replaying the old cookie gives a fresh session",
    async run(o) {
      const errors: SessionErrorCode[] = [];
      const store = memoryStore();
      const cfg = config<{ user?: string }>(o, { store, onError: (code) => errors.push(code) });
      const app = toWebHandler(async (event) => {
        const session = await useSession(event, cfg);
        if (event.url.pathname === "/login") await session.update({ user: "ada" });
        if (event.url.pathname === "/logout") await clearSession(event, cfg);
        return { id: session.id, data: session.data };
      });
      const jar = new CookieJar();
      const login = (await (await jar.visit(app, "/login")).json()) as { id: string };
      assertEqual(store.size, 1);
      const token = jar.get("h3") ?? "";
      assert(token.length > 0 && token.length < 1000, `a short reference cookie (${token.length} chars)`);
      const replay = jar.header();

      assertEqual(await (await jar.visit(app)).json(), { id: login.id, data: { user: "ada" } });
      const logout = await jar.visit(app, "/logout");
      assert(/^h3=;.*; Max-Age=0(;|$)/.test(logout.headers.getSetCookie()[0] ?? ""), "the cookie is deleted");
      assertEqual(store.size, 0);
      assertEqual(errors, []);

      const stale = new CookieJar();
      stale.load(replay);
      const replayed = toWebHandler(async (event) => {
        const session = await getSession(event, cfg);
        return { id: session.id, data: session.data };
      });
      const body = (await (await stale.visit(replayed)).json()) as { id: string; data: object };
      assert(body.id !== login.id, "a fresh id for the replayed cookie");
      assertEqual(body.data, {});
      assertEqual(errors, ["ERR_STORE_MISSING"]);
    },
  },
];

/** A config for one case run: fresh object (configs are resolved once per object), quiet warnings. */
function config<T extends object = Record<string, unknown>>(
  options: SessionCaseOptions,
  extra: Partial<SessionConfig<T>> = {},
): SessionConfig<T> {
  const base: SessionConfig<T> = { password: SECRET, onWarning: () => {} };
  if (options.crypto) base.crypto = options.crypto;
  return { ...base, ...extra };
}

interface PlainEvent {
  readonly req: Request;
  readonly res: { readonly headers: Headers };
}

/** A plain `{ req, res }` event carrying the jar's cookies. */
function plainEvent(jar: CookieJar, path = "/"): PlainEvent {
  return { req: jar.request(path), res: { headers: new Headers() } };
}

/** Runs `fn` with `Date.now` moved `offset` ms ahead, restoring it afterwards. */
async function withClock<T>(offset: number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => real() + offset;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

/** A browser's cookie jar for one origin, reduced to what sessions need: name=value, Max-Age=0 deletes. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Sends a request with the jar's cookies and keeps the response's. */
  async visit(app: WebHandler, path = "/"): Promise<Response> {
    const response = await app(this.request(path));
    this.store(response.headers);
    return response;
  }

  request(path = "/"): Request {
    const cookie = this.header();
    return new Request(`${ORIGIN}${path}`, cookie ? { headers: { cookie } } : {});
  }

  /** Applies Set-Cookie lines in order; `Max-Age=0` (or a negative one) or an empty value deletes. */
  store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", age = ""] = attribute.split("=");
        return key.trim().toLowerCase() === "max-age" && Number(age.trim()) <= 0;
      });
      if (expired || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** Loads a Cookie header (`a=1; b=2`), as a replayed request would carry it. */
  load(header: string): void {
    for (const pair of header.split(";")) {
      const eq = pair.indexOf("=");
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  names(): string[] {
    return [...this.#cookies.keys()].sort();
  }
}
