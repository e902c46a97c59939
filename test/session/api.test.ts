import { defaults as ironDefaults, seal as ironSeal } from "iron-webcrypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type AnyEvent,
  clearSession,
  getSession,
  type SessionConfig,
  sealSession,
  updateSession,
  useSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { allTransports, type Transport } from "../helpers/transports.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const config: SessionConfig<{ count?: number; user?: string; role?: string }> = { password };

const transports = await allTransports();

/** Strings come back as HTML text, everything else as JSON. */
function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
afterAll(async () => {
  for (const t of transports) await t.close();
});

describe.each(transports)("session API through $name", (transport: Transport) => {
  let jar: CookieJar;
  beforeAll(() => {
    jar = new CookieJar();
  });
  const send = async (handler: (event: AnyEvent) => unknown, init?: RequestInit) => {
    const response = await transport.fetch(handler, "/", jar.init(init));
    const setCookies = jar.store(response);
    const text = await response.text();
    return { response, setCookies, body: parseBody(text) };
  };

  it("getSession on an anonymous request writes no cookie", async () => {
    const fresh = new CookieJar();
    const response = await transport.fetch(async (e) => (await getSession(e, config)).id, "/", fresh.init());
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await response.text()).toMatch(/[0-9a-f-]{36}/);
  });

  it("useSession persists a new session at once, with secure defaults, and keeps its id", async () => {
    const first = await send(async (e) => (await useSession(e, config)).id);
    expect(first.setCookies).toHaveLength(1);
    expect(first.setCookies[0]).toMatch(/^h3=Fe26\.2\*/);
    expect(first.setCookies[0]).toContain("; Path=/");
    expect(first.setCookies[0]).toContain("; HttpOnly");
    expect(first.setCookies[0]).toContain("; Secure");
    expect(first.setCookies[0]).toContain("; SameSite=Lax");
    const second = await send(async (e) => (await useSession(e, config)).id);
    expect(second.body).toBe(first.body);
    expect(second.setCookies).toEqual([]);
  });

  it("update merges shallowly; a function may return a patch or mutate", async () => {
    await send(async (e) => (await useSession(e, config)).update({ user: "ada", role: "admin" }).then(() => null));
    const after = await send(async (e) => {
      const session = await useSession(e, config);
      await session.update((data) => ({ count: (data.count ?? 0) + 1 }));
      await session.update((data) => {
        data.role = "member";
      });
      return session.data;
    });
    expect(after.body).toEqual({ user: "ada", role: "member", count: 1 });
    const read = await send(async (e) => (await getSession(e, config)).data);
    expect(read.body).toEqual({ user: "ada", role: "member", count: 1 });
  });

  it("shares one read and one id between concurrent calls; N parallel updates all land in one Set-Cookie", async () => {
    const fresh = new CookieJar();
    const response = await transport.fetch(
      async (e) => {
        const [a, b] = await Promise.all([getSession(e, config), getSession(e, config)]);
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => updateSession(e, config as SessionConfig, { [`k${i}`]: i })),
        );
        return { same: a === b && a.id === b.id, id: a.id };
      },
      "/",
      fresh.init(),
    );
    const lines = fresh.store(response);
    expect(lines.filter((l) => l.startsWith("h3="))).toHaveLength(1);
    expect((await response.json()).same).toBe(true);
    const read = await transport.fetch(
      async (e) => (await getSession(e, config as SessionConfig)).data,
      "/",
      fresh.init(),
    );
    expect(await read.json()).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])));
  });

  it("an update started while the first read is unsealing waits for it", async () => {
    const response = await transport.fetch(
      async (e) => {
        const reading = getSession(e, config);
        const updating = updateSession(e, config, { role: "x" });
        const [read] = await Promise.all([reading, updating]);
        return read.data;
      },
      "/",
      jar.init(),
    );
    expect(await response.json()).toMatchObject({ user: "ada", role: "x", count: 1 });
    jar.store(response);
  });

  it("an update started while the first read of a never-verified token is still unsealing waits for it", async () => {
    // Sealed by another implementation: neither the verified-token cache nor the derived-key
    // cache can answer, so the first read really unseals (PBKDF2 off the main thread).
    const id = `sealed-elsewhere-${crypto.randomUUID()}`;
    const token = await ironSeal({ id, createdAt: Date.now(), data: { user: "ada", role: "member" } }, password, {
      ...ironDefaults,
      encryption: { ...ironDefaults.encryption, iterations: 8192 },
      integrity: { ...ironDefaults.integrity, iterations: 8192 },
    });
    const browser = new CookieJar();
    browser.cookies.set("h3", token);
    const response = await transport.fetch(
      async (e) => {
        const reading = getSession(e, config);
        const updating = updateSession(e, config, { role: "admin" });
        const [read, updated] = await Promise.all([reading, updating]);
        return { same: read === updated, id: updated.id, data: updated.data };
      },
      "/",
      browser.init(),
    );
    const lines = browser.store(response);
    expect(lines.filter((l) => l.startsWith("h3="))).toHaveLength(1);
    expect(await response.json()).toEqual({ same: true, id, data: { user: "ada", role: "admin" } });
    const read = await transport.fetch(async (e) => (await getSession(e, config)).data, "/", browser.init());
    expect(await read.json()).toEqual({ user: "ada", role: "admin" });
  });

  it("keeps two named sessions apart in one request: different ids, one Set-Cookie each", async () => {
    const auth: SessionConfig = { password, name: "auth" };
    const cart: SessionConfig = { password, name: "cart" };
    const browser = new CookieJar();
    const response = await transport.fetch(
      async (e) => {
        const [a, c] = await Promise.all([useSession(e, auth), useSession(e, cart)]);
        await a.update({ user: "ada" });
        await c.update({ items: 2 });
        await Promise.all([updateSession(e, auth, { role: "admin" }), updateSession(e, cart, { items: 3 })]);
        return { auth: a.id, cart: c.id };
      },
      "/",
      browser.init(),
    );
    const lines = browser.store(response);
    const ids = (await response.json()) as { auth: string; cart: string };
    expect(ids.auth).not.toBe(ids.cart);
    expect(lines.filter((l) => l.startsWith("auth="))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("cart="))).toHaveLength(1);
    expect(lines).toHaveLength(2);
    const read = await transport.fetch(
      async (e) => {
        const [a, c] = await Promise.all([getSession(e, auth), getSession(e, cart)]);
        return { auth: { id: a.id, data: a.data }, cart: { id: c.id, data: c.data } };
      },
      "/",
      browser.init(),
    );
    expect(await read.json()).toEqual({
      auth: { id: ids.auth, data: { user: "ada", role: "admin" } },
      cart: { id: ids.cart, data: { items: 3 } },
    });
  });

  it("leaves cookies set by other code alone", async () => {
    const fresh = new CookieJar();
    const response = await transport.fetch(
      async (e) => {
        const headers = (e as { res?: { headers?: Headers } }).res?.headers;
        const node = (e as { node?: { res: import("node:http").ServerResponse } }).node;
        if (node) node.res.appendHeader("set-cookie", "theme=dark; Path=/");
        else headers?.append("set-cookie", "theme=dark; Path=/");
        await useSession(e, config);
        await updateSession(e, config, { user: "x" });
        return null;
      },
      "/",
      fresh.init(),
    );
    const lines = response.headers.getSetCookie();
    expect(lines.filter((l) => l.startsWith("theme="))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("h3="))).toHaveLength(1);
  });

  it("clear deletes the cookie with Max-Age=0 and the same Path/Domain; a later update starts fresh", async () => {
    const scoped = { password, cookie: { path: "/app", domain: "example.com" } } satisfies SessionConfig;
    const fresh = new CookieJar();
    const created = await transport.fetch(
      async (e) => ({ id: (await (await useSession(e, scoped)).update({ secret: 1 })).id }),
      "/",
      fresh.init(),
    );
    fresh.store(created);
    const oldId = ((await created.json()) as { id: string }).id;
    const oldCookie = fresh.cookies.get("h3");
    const response = await transport.fetch(
      async (e) => {
        const before = (await getSession(e, scoped)).id;
        await clearSession(e, scoped);
        const after = await updateSession(e, scoped, { other: 2 });
        return { before, after: after.id, data: after.data };
      },
      "/",
      fresh.init(),
    );
    const body = await response.json();
    // The request saw the stored session, cleared it, and started another one.
    expect(body.before).toBe(oldId);
    expect(body.after).not.toBe(oldId);
    expect(body.data).toEqual({ other: 2 });
    const lines = response.headers.getSetCookie();
    expect(lines.filter((l) => l.startsWith("h3="))).toHaveLength(1);
    fresh.store(response);
    expect(fresh.cookies.get("h3")).not.toBe(oldCookie);
    const next = await transport.fetch(async (e) => getSession(e, scoped), "/", fresh.init());
    expect(await next.json()).toMatchObject({ id: body.after, data: { other: 2 } });

    const clearOnly = await transport.fetch(async (e) => clearSession(e, scoped).then(() => null), "/", fresh.init());
    const [deletion] = clearOnly.headers.getSetCookie();
    expect(deletion).toMatch(/^h3=;/);
    expect(deletion).toContain("Max-Age=0");
    expect(deletion).toContain("Path=/app");
    expect(deletion).toContain("Domain=example.com");
  });

  it("a tampered, foreign or garbage cookie yields a fresh session and tells onError why", async () => {
    const onError = vi.fn();
    const cfg: SessionConfig = { password, onError };
    const good = new CookieJar();
    good.store(
      await transport.fetch(
        async (e) => (await useSession(e, cfg)).update({ a: 1 }).then(() => null),
        "/",
        good.init(),
      ),
    );
    const token = good.cookies.get("h3") ?? "";
    const foreign = new CookieJar();
    foreign.store(
      await transport.fetch(
        async (e) => (await useSession(e, { password: "another-password-that-is-32-chars-long!" })).id,
        "/",
        foreign.init(),
      ),
    );
    const cases = [
      [`${token.slice(0, -2)}xx`, "ERR_SEAL_MAC"],
      [foreign.cookies.get("h3"), "ERR_SEAL_MAC"],
      ["garbage", "ERR_SEAL_FORMAT"],
      ["__chunked__999999999", "ERR_SEAL_FORMAT"],
    ] as const;
    for (const [value, code] of cases) {
      onError.mockClear();
      const response = await transport.fetch(async (e) => (await getSession(e, cfg)).data, "/", {
        headers: { cookie: `h3=${value}` },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(onError).toHaveBeenCalledWith(code, expect.anything(), expect.objectContaining({ code }));
    }
  });

  it("an invalid header session falls back to the cookie and never overwrites it", async () => {
    const response = await transport.fetch(
      async (e) => {
        const session = await getSession(e, config);
        return session.data;
      },
      "/",
      jar.init({ headers: { "x-h3-session": "Fe26.2*broken" } }),
    );
    expect(await response.json()).toMatchObject({ user: "ada" });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("reads a session from the x-<name>-session header", async () => {
    const token = await transport
      .fetch(async (e) => sealSession(e, config), "/", jar.init())
      .then(async (r) => parseBody(await r.text()) as string);
    const response = await transport.fetch(async (e) => (await getSession(e, config)).data, "/", {
      headers: { "x-h3-session": token },
    });
    expect(await response.json()).toMatchObject({ user: "ada" });
  });

  /** A token for `cfg` holding `data`, sealed on a request that carries no cookie. */
  const tokenFor = async (cfg: SessionConfig, data: Record<string, unknown>) => {
    const response = await transport.fetch(async (e) => {
      await updateSession(e, cfg, data);
      return sealSession(e, cfg);
    }, "/");
    return parseBody(await response.text()) as string;
  };

  it("derives the header from the session name, lowercased: name App reads x-app-session", async () => {
    const app: SessionConfig = { password, name: "App" };
    const token = await tokenFor(app, { user: "from-header" });
    const response = await transport.fetch(async (e) => (await getSession(e, app)).data, "/", {
      headers: { "x-app-session": token },
    });
    expect(await response.json()).toEqual({ user: "from-header" });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("a valid header session is used before a valid cookie, which it leaves alone", async () => {
    const browser = new CookieJar();
    const cookieId = await transport
      .fetch(async (e) => (await updateSession(e, config, { user: "from-cookie" })).id, "/", browser.init())
      .then(async (r) => {
        browser.store(r);
        return parseBody(await r.text());
      });
    const token = await tokenFor(config as SessionConfig, { user: "from-header" });
    const response = await transport.fetch(
      async (e) => {
        const session = await getSession(e, config);
        return { id: session.id, data: session.data };
      },
      "/",
      browser.init({ headers: { "x-h3-session": token } }),
    );
    const body = await response.json();
    expect(body.data).toEqual({ user: "from-header" });
    expect(body.id).not.toBe(cookieId);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('sessionHeader: "x-custom" reads that header instead of x-h3-session', async () => {
    const custom: SessionConfig = { password, sessionHeader: "x-custom" };
    const token = await tokenFor(custom, { user: "from-custom" });
    const read = (headers: Record<string, string>) =>
      transport.fetch(async (e) => (await getSession(e, custom)).data, "/", { headers }).then((r) => r.json());
    expect(await read({ "x-custom": token })).toEqual({ user: "from-custom" });
    expect(await read({ "x-h3-session": token })).toEqual({});
  });

  it("sessionHeader: false ignores the session header, even a valid one", async () => {
    const noHeader: SessionConfig = { password, sessionHeader: false };
    const token = await tokenFor(noHeader, { user: "from-header" });
    const browser = new CookieJar();
    browser.store(
      await transport.fetch(
        async (e) => (await updateSession(e, noHeader, { user: "from-cookie" })).id,
        "/",
        browser.init(),
      ),
    );
    const read = (init: RequestInit) =>
      transport.fetch(async (e) => (await getSession(e, noHeader)).data, "/", init).then((r) => r.json());
    expect(await read({ headers: { "x-h3-session": token } })).toEqual({});
    expect(await read(browser.init({ headers: { "x-h3-session": token } }))).toEqual({ user: "from-cookie" });
  });

  it("a handler that throws still sends the session cookie it set", async () => {
    const fresh = new CookieJar();
    const response = await transport.fetch(
      async (e) => {
        await useSession(e, config);
        await updateSession(e, config, { user: "kept" });
        throw new Error("boom");
      },
      "/",
      fresh.init(),
    );
    expect(response.status).toBe(500);
    expect(response.headers.getSetCookie().some((l) => l.startsWith("h3=Fe26.2"))).toBe(true);
  });

  it("prototype keys in an update or a payload pollute nothing", async () => {
    const fresh = new CookieJar();
    const response = await transport.fetch(
      async (e) => {
        await updateSession(
          e,
          config as SessionConfig,
          JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}},"ok":1}'),
        );
        return (await getSession(e, config)).data;
      },
      "/",
      fresh.init(),
    );
    expect(await response.json()).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).bad).toBeUndefined();
  });

  it("cookie: false writes no cookies", async () => {
    const response = await transport.fetch(
      async (e) => (await useSession(e, { password, cookie: false })).update({ a: 1 }).then(() => null),
      "/",
    );
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("uses generateId and a custom name", async () => {
    const fresh = new CookieJar();
    const response = await transport.fetch(
      async (e) => (await useSession(e, { password, name: "app_session", generateId: () => "fixed-id" })).id,
      "/",
      fresh.init(),
    );
    expect(parseBody(await response.text())).toBe("fixed-id");
    expect(response.headers.getSetCookie()[0]).toMatch(/^app_session=Fe26/);
  });
});

describe("configuration mistakes fail fast, echoing no secret", () => {
  const event = { req: new Request("http://localhost/"), res: { headers: new Headers() } };
  it.each([
    ["short password", { password: "short-secret" }],
    ["missing password", {}],
    ["';' in path", { password, cookie: { path: "/a; Domain=evil.com" } }],
    ["CR/LF in domain", { password, cookie: { domain: "a.com\r\nX-Evil: 1" } }],
    ["bad name", { password, name: "a b" }],
    ["SameSite=None without Secure", { password, cookie: { sameSite: "none", secure: false } }],
    ["SameSite=None (any case) without Secure", { password, cookie: { sameSite: "None", secure: false } }],
    ["unknown SameSite", { password, cookie: { sameSite: "loose" } }],
    // Cookie sizes are counted in characters: every part must stay ASCII.
    ["non-ASCII domain", { password, cookie: { domain: "exämple.com" } }],
    ["non-ASCII path", { password, cookie: { path: "/ä" } }],
    ["non-ASCII name", { password, name: "sëss" }],
    ["CR/LF in name", { password, name: "a\r\nb" }],
    ["LF in path", { password, cookie: { path: "/a\nb" } }],
  ] as const)("%s", async (_label, cfg) => {
    const error = await getSession(event, cfg as SessionConfig).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_CONFIG" });
    const message = String((error as Error).message);
    // Neither the configured password nor a fragment of it, whichever case this is.
    for (const secret of ["short-secret", password, password.slice(0, 12)]) expect(message).not.toContain(secret);
    // A raw CR/LF from the config would let it forge lines in the logs the message lands in.
    expect(message).not.toMatch(/[\r\n]/);
  });
});

describe("h3 configs written in JavaScript", () => {
  it("take sameSite in any case, as cookie-es does", async () => {
    const event = { req: new Request("https://example.com/"), res: { headers: new Headers() } };
    const cookie = { sameSite: "Strict" } as unknown as SessionConfig["cookie"];
    await updateSession(event, { password, cookie }, { a: 1 });
    expect(event.res.headers.getSetCookie()[0]).toMatch(/; SameSite=Strict/);
  });
});
