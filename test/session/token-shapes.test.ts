/**
 * Tokens that open but hold something unexpected, with and without
 * iron-session's `~<n>` marker, and cookies of the session's family written
 * beside it: what a read makes of each.
 */
import { describe, expect, it, vi } from "vitest";
import { getSession, memoryStore, regenerateSession, type SessionConfig, updateSession } from "../../src/index.ts";
import { seal } from "../../src/seal/index.ts";

const password = "Is2!vB7-nQ4xT9mK1wR6cL3zH8sD5gJ0pF";
const event = (cookie?: string) => ({
  req: new Request("http://localhost/", cookie ? { headers: { cookie } } : {}),
  res: { headers: new Headers() },
  context: {},
});

/** What a read of `h3=<token>` gives: the adopted data, or the refusal onError heard. */
async function readToken(token: string, config: SessionConfig = { password }) {
  const onError = vi.fn();
  const session = await getSession(event(`h3=${token}`), { ...config, onError });
  const [call] = onError.mock.calls;
  return call ? `${call[0]}: ${(call[2] as Error).message}` : session.data;
}

describe("tokens that open but hold something unexpected", () => {
  it("a sealed null or a persistent that is no object is a bad session, not an iron-session one", async () => {
    expect(await readToken(await seal(null, password))).toBe(
      "ERR_SESSION_SHAPE: the sealed session has the wrong shape: not an object",
    );
    for (const persistent of [5, null, [1]]) {
      expect(await readToken(await seal({ persistent }, password))).toBe(
        "ERR_SESSION_SHAPE: the sealed session has the wrong shape: bad id",
      );
    }
    expect(await readToken(await seal({ persistent: { user: "ada" }, flash: {} }, password))).toEqual({ user: "ada" });
  });

  it("with the marker, only an object is adopted", async () => {
    for (const value of [5, null, [1], "text"]) {
      expect(await readToken(`${await seal(value, password)}~2`)).toBe(
        "ERR_SESSION_SHAPE: the iron-session cookie does not hold an object",
      );
    }
    expect(await readToken(`${await seal({ user: "ada" }, password)}~12`)).toEqual({ user: "ada" });
  });

  it("with the marker, a session of h3 or of this library is refused; look-alikes are adopted as data", async () => {
    const refused = "ERR_SESSION_SHAPE: a session seal was presented as an iron-session cookie";
    for (const value of [
      { id: "a", createdAt: 1, data: {} },
      { id: "a", createdAt: 1, purpose: "h3" },
      { id: "a", createdAt: 1, ref: true },
    ]) {
      expect(await readToken(`${await seal(value, password)}~2`)).toBe(refused);
    }
    for (const value of [
      { id: "a", createdAt: "1", data: {} },
      { id: 1, createdAt: 1, data: {} },
      { id: "a", createdAt: 1, other: {} },
    ]) {
      expect(await readToken(`${await seal(value, password)}~2`)).toEqual(value);
    }
  });
});

describe("the cookie a read looks at", () => {
  it("chunks that are missing are reported; cookie: false reads no cookie at all", async () => {
    expect(await readToken("__chunked__2")).toBe(
      "ERR_SEAL_FORMAT: the session cookie's chunks are missing or malformed",
    );
    const first = event();
    const written = await updateSession(first, { password }, { a: 1 });
    const cookie = first.res.headers.getSetCookie()[0]!.split(";")[0]!;
    const onError = vi.fn();
    const read = await getSession(event(cookie), { password, cookie: false, onError });
    expect(read.id).not.toBe(written.id);
    expect(onError).not.toHaveBeenCalled();
  });

  it("a write replaces only the session's own cookie and numbered chunks among the response's cookies", async () => {
    const e = event();
    for (const line of [
      "h3.1=stale",
      "h3.10=stale",
      "h3x=1",
      "h3.tmp=1",
      "h3.2a=1",
      "h3.a2=1",
      "xy.5=1",
      "other=1",
      "x.h3.=1",
    ]) {
      e.res.headers.append("set-cookie", line);
    }
    await updateSession(e, { password }, { a: 1 });
    await updateSession(e, { password }, { b: 2 });
    const names = e.res.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")));
    expect(names).toEqual(["h3x", "h3.tmp", "h3.2a", "h3.a2", "xy.5", "other", "x.h3.", "h3"]);
  });
});

describe("regenerate of a session revoked while the request ran", () => {
  it("deletes the new record and the cookie, and tells onError", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const onError = vi.fn();
    const config: SessionConfig = { password, store, onError };
    const first = event();
    const old = await updateSession(first, config, { a: 1 });
    const oldId = old.id!;
    const next = event(first.res.headers.getSetCookie()[0]!.split(";")[0]);
    await getSession(next, config);
    await store.delete(oldId, { deadline: Date.now() + 1000 });
    const regenerated = await regenerateSession(next, config);
    expect(regenerated.id).not.toBe(oldId);
    expect(await store.get(regenerated.id!)).toBeUndefined();
    expect(store.size).toBe(0);
    expect(next.res.headers.getSetCookie()).toEqual([expect.stringMatching(/^h3=;.*Max-Age=0/)]);
    expect(onError.mock.calls.map(([code, , error]) => `${code}: ${(error as Error).message}`)).toEqual([
      "ERR_STORE_MISSING: the session was revoked while this request was running",
    ]);
    // A later write of this request is dropped: the session is dead.
    await updateSession(next, config, { b: 2 });
    expect(store.size).toBe(0);
  });
});
