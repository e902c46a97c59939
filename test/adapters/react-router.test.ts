import { parseSetCookie } from "cookie-es";
import { createSession, redirect } from "react-router";
import { describe, expect, it } from "vitest";
import { createSealedSessionStorage } from "../../src/adapters/react-router.ts";
import { memoryStore, type SessionConfig, toWebHandler, useSession } from "../../src/index.ts";
import { unseal } from "../../src/seal/index.ts";
import { useFakeClock } from "../helpers/clock.ts";

/**
 * The storage called the way React Router's docs call a session storage:
 * `getSession(request.headers.get("Cookie"))` in a loader or action, then
 * `commitSession` / `destroySession` into a Set-Cookie header.
 */
const password = "Rr7-st0rage!kQ3xW7vM0bN2cL9zH4sG6fJ";
const config: SessionConfig = { password, name: "app-session" };

type Data = { user?: string; theme?: string; big?: string };
type Flash = { notice: string };

/** The Cookie header a browser would send back after this Set-Cookie. */
function cookieOf(setCookie: string): string {
  const { name, value } = parseSetCookie(setCookie)!;
  return `${name}=${value}`;
}

function request(cookie?: string): Request {
  return new Request("http://localhost/login", cookie ? { headers: { cookie } } : {});
}

describe("createSealedSessionStorage as React Router uses it", () => {
  const storage = createSealedSessionStorage<Data, Flash>(config);

  it("set, get and has survive a commit; the cookie is an iron seal of the session", async () => {
    const session = await storage.getSession(request().headers.get("Cookie"));
    expect(session.has("user")).toBe(false);
    session.set("user", "ada");
    const response = redirect("/", { headers: { "Set-Cookie": await storage.commitSession(session) } });
    const line = response.headers.get("set-cookie")!;
    expect(line).toMatch(/^app-session=Fe26\.2\*/);
    expect(line).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const sealed = (await unseal(parseSetCookie(line)!.value, password)) as { id: string; data: Data };
    expect(sealed.data).toEqual({ user: "ada" });
    expect(sealed.id).toBe(session.id);

    const next = await storage.getSession(request(cookieOf(line)).headers.get("Cookie"));
    expect(next.id).toBe(session.id);
    expect(next.has("user")).toBe(true);
    expect(next.get("user")).toBe("ada");
  });

  it("a flash is read once", async () => {
    const first = await storage.getSession(null);
    first.flash("notice", "saved");
    const afterFlash = cookieOf(await storage.commitSession(first));

    const second = await storage.getSession(afterFlash);
    expect(second.has("notice")).toBe(true);
    expect(second.get("notice")).toBe("saved");
    expect(second.has("notice")).toBe(false);
    const afterRead = cookieOf(await storage.commitSession(second));

    const third = await storage.getSession(afterRead);
    expect(third.get("notice")).toBeUndefined();
    // Read but not committed: the next request still sees it, as with createCookieSessionStorage.
    expect((await storage.getSession(afterFlash)).get("notice")).toBe("saved");
  });

  it("unset removes a key for good", async () => {
    const session = await storage.getSession();
    session.set("user", "ada");
    session.set("theme", "dark");
    const both = await storage.getSession(cookieOf(await storage.commitSession(session)));
    both.unset("theme");
    const one = await storage.getSession(cookieOf(await storage.commitSession(both)));
    expect(one.has("theme")).toBe(false);
    expect(one.data).toEqual({ user: "ada" });
  });

  it("destroySession expires the cookie, whatever options say", async () => {
    const session = await storage.getSession();
    session.set("user", "ada");
    const cookie = cookieOf(await storage.commitSession(session));
    const line = await storage.destroySession(await storage.getSession(cookie), { maxAge: 3600 });
    const parsed = parseSetCookie(line)!;
    expect(parsed.name).toBe("app-session");
    expect(parsed.value).toBe("");
    expect(parsed.maxAge).toBe(0);
    expect(parsed.expires?.getTime()).toBe(0);
    expect(parsed.path).toBe("/");
  });

  it("commitSession's options override the cookie's attributes", async () => {
    const session = await storage.getSession();
    session.set("user", "ada");
    const parsed = parseSetCookie(await storage.commitSession(session, { maxAge: 60, sameSite: "strict" }))!;
    expect(parsed.maxAge).toBe(60);
    expect(parsed.expires).toBeUndefined();
    expect(parsed.sameSite).toBe("strict");
    expect(parsed.httpOnly).toBe(true);
    expect(await unseal(parsed.value, password)).toMatchObject({ data: { user: "ada" } });
  });

  it("a tampered or foreign cookie yields an empty session and tells onError", async () => {
    const codes: string[] = [];
    const watched = createSealedSessionStorage<Data>({ ...config, onError: (code) => codes.push(code) });
    const session = await watched.getSession();
    session.set("user", "ada");
    const cookie = cookieOf(await watched.commitSession(session));
    const tampered = `${cookie.slice(0, -3)}${cookie.endsWith("A") ? "B" : "A"}xx`;
    const read = await watched.getSession(tampered);
    expect(read.data).toEqual({});
    expect(read.id).not.toBe(session.id);
    expect(codes).toEqual(["ERR_SEAL_MAC"]);
  });

  it("a session too large for one cookie throws ERR_SESSION_TOO_LARGE and keeps the request's data", async () => {
    const session = await storage.getSession();
    session.set("big", "x".repeat(5000));
    const error = await storage.commitSession(session).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "SessionError", code: "ERR_SESSION_TOO_LARGE" });
    expect(String((error as Error).message)).toMatch(/one cookie.*pass a store/);
  });
});

describe("one format with the other adapters", () => {
  const storage = createSealedSessionStorage<Data>(config);

  it("reads a session written by useSession, and useSession reads one it committed", async () => {
    const app = toWebHandler(async (event) => {
      const session = await useSession<Data>(event, config);
      if (event.url.pathname === "/write") await session.update({ user: "grace" });
      return session.data;
    });
    const written = (await app(new Request("http://localhost/write"))).headers.getSetCookie()[0]!;
    const session = await storage.getSession(cookieOf(written));
    expect(session.get("user")).toBe("grace");

    session.set("theme", "dark");
    const committed = cookieOf(await storage.commitSession(session));
    const read = await app(new Request("http://localhost/read", { headers: { cookie: committed } }));
    expect(await read.json()).toEqual({ user: "grace", theme: "dark" });
  });

  it("reads a chunked session (too large for React Router to write) written elsewhere", async () => {
    const app = toWebHandler(async (event) => {
      await (await useSession<Data>(event, config)).update({ big: "y".repeat(6000) });
      return null;
    });
    const lines = (await app(new Request("http://localhost/"))).headers.getSetCookie();
    expect(lines.length).toBeGreaterThan(1);
    const session = await storage.getSession(lines.map(cookieOf).join("; "));
    expect(session.get("big")).toHaveLength(6000);
  });
});

describe("rotation and lifetimes", () => {
  const at = useFakeClock();
  const oldKey = { id: "1", secret: "0ld-pa55word!kQ3xW7vM0bN2cL9zH4sG6fJ" };
  const newKey = { id: "2", secret: "n3w-pa55word!kQ3xW7vM0bN2cL9zH4sG6fJ" };

  it("opens a cookie sealed with an older password and commits it with the current one", async () => {
    const before = createSealedSessionStorage<Data>({ ...config, password: [oldKey] });
    const after = createSealedSessionStorage<Data>({ ...config, password: [newKey, oldKey] });
    const session = await before.getSession();
    session.set("user", "ada");
    const old = parseSetCookie(await before.commitSession(session))!;
    expect(old.value.split("*")[1]).toBe("1");

    const rotated = await after.getSession(`${old.name}=${old.value}`);
    expect(rotated.get("user")).toBe("ada");
    const fresh = parseSetCookie(await after.commitSession(rotated))!;
    expect(fresh.value.split("*")[1]).toBe("2");
  });

  it("idleTimeout: a committed session slides, an idle one is dropped", async () => {
    const idle = createSealedSessionStorage<Data>({ ...config, idleTimeout: 600 });
    const session = await idle.getSession();
    session.set("user", "ada");
    let cookie = cookieOf(await idle.commitSession(session));
    at(500);
    const active = await idle.getSession(cookie);
    expect(active.get("user")).toBe("ada");
    cookie = cookieOf(await idle.commitSession(active));
    at(1000);
    expect((await idle.getSession(cookie)).get("user")).toBe("ada");
    at(1700);
    expect((await idle.getSession(cookie)).data).toEqual({});
  });

  it("maxAge: the cookie says when it ends, and a later read is empty", async () => {
    const short = createSealedSessionStorage<Data>({ ...config, maxAge: 3600 });
    const session = await short.getSession();
    session.set("user", "ada");
    const line = parseSetCookie(await short.commitSession(session))!;
    expect(line.maxAge).toBe(3600);
    at(3000);
    expect((await short.getSession(`${line.name}=${line.value}`)).get("user")).toBe("ada");
    at(3601);
    expect((await short.getSession(`${line.name}=${line.value}`)).data).toEqual({});
  });
});

describe("with a store", () => {
  it("the cookie holds only the id; destroySession revokes the record", async () => {
    const storage = createSealedSessionStorage<Data>({ ...config, store: memoryStore() });
    const session = await storage.getSession();
    session.set("big", "z".repeat(20_000));
    const line = parseSetCookie(await storage.commitSession(session))!;
    expect(line.value.length).toBeLessThan(400);
    expect(await unseal(line.value, password)).toMatchObject({ id: session.id, ref: true });
    expect(await unseal(line.value, password)).not.toHaveProperty("data");

    const cookie = `${line.name}=${line.value}`;
    const read = await storage.getSession(cookie);
    expect(read.get("big")).toHaveLength(20_000);
    // commitSession always returns the cookie, also when the browser's already names the stored session.
    read.set("theme", "dark");
    const again = parseSetCookie(await storage.commitSession(read, { maxAge: 60 }))!;
    expect(again).toMatchObject({ name: line.name, maxAge: 60 });
    expect(await unseal(again.value, password)).toMatchObject({ id: session.id, ref: true });
    await storage.destroySession(read);
    // The old cookie replayed: the record is gone, so it opens an empty session.
    expect((await storage.getSession(cookie)).data).toEqual({});
  });
});

describe("sessions not made by this storage", () => {
  it("a session from React Router's createSession is committed as one new sealed session", async () => {
    const storage = createSealedSessionStorage<Data>(config);
    const session = createSession<Data>({ user: "kim" });
    const first = parseSetCookie(await storage.commitSession(session))!;
    session.set("theme", "light");
    const second = parseSetCookie(await storage.commitSession(session))!;
    const opened = [await unseal(first.value, password), await unseal(second.value, password)] as { id: string }[];
    expect(opened[1]).toMatchObject({ data: { user: "kim", theme: "light" } });
    expect(opened[1]!.id).toBe(opened[0]!.id);
  });
});
