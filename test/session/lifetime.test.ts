import { describe, expect, it, vi } from "vitest";
import { type AnyEvent, getSession, type SessionConfig, toWebHandler, useSession } from "../../src/index.ts";
import { useFakeClock } from "../helpers/clock.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

const password = "Lf7!tK2-qW9xR4mZ0vN6bC3yH8sD1gJ5pA";
const T0 = Date.UTC(2026, 0, 1);
const at = useFakeClock(T0);

function client(config: SessionConfig) {
  const jar = new CookieJar();
  const handler = toWebHandler(async (event: AnyEvent) => {
    const session = await useSession<{ n?: number }>(event, config);
    return { id: session.id, createdAt: session.createdAt, data: session.data };
  });
  return {
    jar,
    async visit(headers?: Record<string, string>) {
      const response = await handler(new Request("http://localhost/", jar.init({ headers })));
      const setCookies = jar.store(response);
      return { ...((await response.json()) as { id: string; createdAt: number }), setCookies };
    },
  };
}

describe("idleTimeout (sliding)", () => {
  const config: SessionConfig = { password, idleTimeout: 60 };

  it("is alive after 59 s idle and gone at 61 s", async () => {
    const c = client(config);
    const first = await c.visit();
    at(59);
    expect((await c.visit()).id).toBe(first.id);
    at(59 + 61);
    expect((await c.visit()).id).not.toBe(first.id);
  });

  it("reseals on a read only after half the window", async () => {
    const c = client(config);
    const first = await c.visit();
    at(20);
    expect((await c.visit()).setCookies).toEqual([]);
    at(31);
    const slid = await c.visit();
    expect(slid.setCookies).toHaveLength(1);
    expect(slid.setCookies[0]).toContain(`Expires=${new Date(T0 + 31_000 + 60_000).toUTCString()}`);
    at(31 + 59);
    // Still alive (59 s after the slide, 90 s after the start), so the same session slides again.
    const again = await c.visit();
    expect(again.id).toBe(first.id);
    expect(again.createdAt).toBe(first.createdAt);
    expect(again.setCookies).toHaveLength(1);
    expect(again.setCookies[0]).toContain(`Expires=${new Date(T0 + 90_000 + 60_000).toUTCString()}`);
  });

  it("never slides a session that came in a header", async () => {
    const c = client(config);
    await c.visit();
    const token = c.jar.cookies.get("h3") ?? "";
    at(40);
    const handler = toWebHandler(async (event) => (await getSession(event, config)).id);
    const response = await handler(new Request("http://localhost/", { headers: { "x-h3-session": token } }));
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("holds even when seal.ttl is overridden", async () => {
    const c = client({ password, idleTimeout: 60, seal: { ttl: 0 } });
    const first = await c.visit();
    at(61);
    expect((await c.visit()).id).not.toBe(first.id);
  });
});

describe("maxAge (absolute)", () => {
  it("caps a session that is active all the time", async () => {
    const c = client({ password, idleTimeout: 60, maxAge: 100 });
    const first = await c.visit();
    for (const t of [31, 62, 93]) {
      at(t);
      expect((await c.visit()).id).toBe(first.id);
    }
    at(101);
    expect((await c.visit()).id).not.toBe(first.id);
  });

  it("sets the cookie to expire at the earlier of the two limits", async () => {
    const c = client({ password, idleTimeout: 600, maxAge: 100 });
    const { setCookies } = await c.visit();
    expect(setCookies[0]).toContain(`Expires=${new Date(T0 + 100_000).toUTCString()}`);
    expect(setCookies[0]).toContain("Max-Age=100");
  });

  it("is checked without skew and also when seal.ttl is overridden", async () => {
    const c = client({ password, maxAge: 10, seal: { ttl: 3_600_000 } });
    const first = await c.visit();
    at(10.5);
    expect((await c.visit()).id).not.toBe(first.id);
  });

  it("is written as the seal's ttl, counted from createdAt, and as the cookie's Expires and Max-Age", async () => {
    const config: SessionConfig = { password, maxAge: 3600 };
    const c = client(config);
    const first = await c.visit();
    /** The expiration iron writes into the token (its 6th field), in ms since epoch. */
    const sealExpiration = () => Number((c.jar.cookies.get("h3") ?? "").split("*")[5]);
    expect(Math.abs(sealExpiration() - (first.createdAt + 3_600_000))).toBeLessThanOrEqual(1000);
    expect(first.setCookies[0]).toContain("; Max-Age=3600;");
    expect(first.setCookies[0]).toContain(`; Expires=${new Date(first.createdAt + 3_600_000).toUTCString()}`);

    // A write later on seals the time left, not a whole maxAge from now.
    at(1000);
    const write = toWebHandler(async (event) => (await useSession(event, config)).update({ n: 1 }).then(() => null));
    const [line] = c.jar.store(await write(new Request("http://localhost/", c.jar.init())));
    expect(Math.abs(sealExpiration() - (first.createdAt + 3_600_000))).toBeLessThanOrEqual(1000);
    expect(line).toContain("; Max-Age=2600;");
    expect(line).toContain(`; Expires=${new Date(first.createdAt + 3_600_000).toUTCString()}`);
  });

  it("a seal.ttl shorter than maxAge still ends the seal: past it (and iron's 60 s skew) the session is new", async () => {
    const onError = vi.fn();
    const c = client({ password, maxAge: 3600, seal: { ttl: 1000 }, onError });
    const first = await c.visit();
    at(30);
    expect((await c.visit()).id).toBe(first.id);
    expect(onError).not.toHaveBeenCalled();
    at(70);
    expect((await c.visit()).id).not.toBe(first.id);
    expect(onError).toHaveBeenCalledWith(
      "ERR_SEAL_EXPIRED",
      expect.anything(),
      expect.objectContaining({ code: "ERR_SEAL_EXPIRED" }),
    );
  });

  it("reports ERR_SESSION_EXPIRED to onError", async () => {
    const onError = vi.fn();
    const c = client({ password, maxAge: 10, onError });
    await c.visit();
    at(11);
    await c.visit();
    expect(onError).toHaveBeenCalledWith("ERR_SESSION_EXPIRED", expect.anything(), expect.anything());
  });
});

describe("lifetime boundaries", () => {
  it("a session idle exactly idleTimeout is alive; a millisecond more and it is gone, saying why", async () => {
    const onError = vi.fn();
    const c = client({ password, idleTimeout: 60, onError });
    const first = await c.visit();
    at(60);
    expect((await c.visit()).id).toBe(first.id);
    at(60 + 60.001);
    expect((await c.visit()).id).not.toBe(first.id);
    expect(onError.mock.calls.map(([code, , error]) => `${code}: ${error.message}`)).toEqual([
      "ERR_SESSION_EXPIRED: the session was idle longer than idleTimeout",
    ]);
  });

  it("a session exactly maxAge old is alive; a millisecond more and it is gone, saying why", async () => {
    const onError = vi.fn();
    const c = client({ password, maxAge: 10, onError });
    const first = await c.visit();
    at(10);
    expect((await c.visit()).id).toBe(first.id);
    at(10.001);
    expect((await c.visit()).id).not.toBe(first.id);
    expect(onError.mock.calls.map(([code, , error]) => `${code}: ${error.message}`)).toEqual([
      "ERR_SESSION_EXPIRED: the session is older than maxAge",
    ]);
  });

  it("a read reseals only past half the idle window, not at it", async () => {
    const c = client({ password, idleTimeout: 60 });
    await c.visit();
    at(30);
    expect((await c.visit()).setCookies).toEqual([]);
    at(30.001);
    expect((await c.visit()).setCookies).toHaveLength(1);
  });

  it("the cookie expires with the idle window when it ends before maxAge", async () => {
    const c = client({ password, idleTimeout: 100, maxAge: 600 });
    const { setCookies } = await c.visit();
    expect(setCookies[0]).toContain(`Expires=${new Date(T0 + 100_000).toUTCString()}`);
    expect(setCookies[0]).toContain("Max-Age=100");
  });
});
