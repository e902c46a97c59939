import { type } from "arktype";
import { defaults as ironDefaults, seal as ironSeal } from "iron-webcrypto";
import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  type AnyEvent,
  getSession,
  memoryStore,
  type SessionConfig,
  type SessionManager,
  type StandardSchemaV1,
  toWebHandler,
  useSession,
} from "../../src/index.ts";
import { resetWarnings } from "../../src/session/warnings.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

const NEW = "Nw5!kR8-tQ2xZ7mV0bL4cH9yS3dF6gJ1pA";
const OLD = "Od3!pW6-rT9xK1mB8nV5cL2yH7sG4fJ0qZ";

async function visit(jar: CookieJar, config: SessionConfig, fn: (s: SessionManager) => unknown = (s) => s.data) {
  const handler = toWebHandler(async (event: AnyEvent) => fn(await useSession(event, config)));
  const response = await handler(new Request("http://localhost/", jar.init()));
  const setCookies = jar.store(response);
  const text = await response.text();
  const json = response.headers.get("content-type")?.includes("json");
  return { body: text && json ? JSON.parse(text) : text || undefined, setCookies };
}

describe("key rotation", () => {
  it("reads a cookie sealed under an older password and reseals it under the newest at once", async () => {
    const jar = new CookieJar();
    await visit(jar, { password: { id: "v1", secret: OLD } }, async (s) => (await s.update({ a: 1 })).data);
    expect(jar.cookies.get("h3")?.split("*")[1]).toBe("v1");
    const rotated: SessionConfig = {
      password: [
        { id: "v2", secret: NEW },
        { id: "v1", secret: OLD },
      ],
    };
    const read = await visit(jar, rotated);
    expect(read.body).toEqual({ a: 1 });
    expect(read.setCookies).toHaveLength(1);
    expect(jar.cookies.get("h3")?.split("*")[1]).toBe("v2");
    expect((await visit(jar, rotated)).setCookies).toEqual([]);
  });

  it("logs out cookies of a removed password cleanly, telling onError why", async () => {
    const jar = new CookieJar();
    await visit(jar, { password: { id: "v1", secret: OLD } }, async (s) => (await s.update({ a: 1 })).data);
    const onError = vi.fn();
    const read = await visit(jar, { password: [{ id: "v2", secret: NEW }], onError });
    expect(read.body).toEqual({});
    expect(onError).toHaveBeenCalledWith("ERR_SEAL_PASSWORD_ID", expect.anything(), expect.anything());
  });
});

describe("regenerate", () => {
  it("gives a new id and createdAt, keeps data, and the old cookie stays a different session", async () => {
    const jar = new CookieJar();
    const config: SessionConfig = { password: NEW };
    const first = await visit(jar, config, async (s) => ({
      id: (await s.update({ user: "ada" })).id,
      at: s.createdAt,
    }));
    const oldCookies = new Map(jar.cookies);
    // Read once before regenerating, as a browsing user does: the process has now seen the old cookie.
    expect((await visit(jar, config, (s) => ({ id: s.id }))).body.id).toBe(first.body.id);
    await new Promise((r) => setTimeout(r, 2));
    const second = await visit(jar, config, async (s) => {
      await s.regenerate();
      return { id: s.id, at: s.createdAt, data: s.data };
    });
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.at).toBeGreaterThan(first.body.at);
    expect(second.body.data).toEqual({ user: "ada" });
    expect(jar.cookies.get("h3")).not.toBe(oldCookies.get("h3"));
    const third = await visit(jar, config, (s) => ({ id: s.id }));
    expect(third.body.id).toBe(second.body.id);
    // Replayed, the cookie from before regenerate is still the old session (a sealed cookie
    // cannot be revoked), never the new one: the two stay different sessions.
    const oldJar = new CookieJar();
    for (const [name, value] of oldCookies) oldJar.cookies.set(name, value);
    const replayed = await visit(oldJar, config, (s) => ({ id: s.id, at: s.createdAt, data: s.data }));
    expect(replayed.body).toEqual({ id: first.body.id, at: first.body.at, data: { user: "ada" } });
    expect(replayed.body.id).not.toBe(second.body.id);
    const emptied = await visit(jar, config, async (s) => (await s.regenerate({ keepData: false })).data);
    expect(emptied.body).toEqual({});
  });
});

describe("purpose binding", () => {
  it("rejects a seal made for session A when presented as B; accepts h3's unbound seals", async () => {
    const jar = new CookieJar();
    await visit(jar, { password: NEW, name: "a" }, async (s) => (await s.update({ role: "admin" })).data);
    const token = jar.cookies.get("a") ?? "";
    const onError = vi.fn();
    const handler = toWebHandler(
      async (event) => (await getSession(event, { password: NEW, name: "b", onError })).data,
    );
    const response = await handler(new Request("http://localhost/", { headers: { cookie: `b=${token}` } }));
    expect(await response.json()).toEqual({});
    expect(onError).toHaveBeenCalledWith("ERR_SESSION_PURPOSE", expect.anything(), expect.anything());
  });
});

describe("purpose binding of unbound seals", () => {
  it("accepts a seal without a purpose (as h3 writes them) under a custom session name", async () => {
    const iterations = { iterations: 8192 };
    const token = await ironSeal({ id: "unbound-1", createdAt: Date.now(), data: { role: "member" } }, NEW, {
      ...ironDefaults,
      encryption: { ...ironDefaults.encryption, ...iterations },
      integrity: { ...ironDefaults.integrity, ...iterations },
    });
    const onError = vi.fn();
    const handler = toWebHandler(async (event) => {
      const session = await getSession(event, { password: NEW, name: "custom", onError });
      return { id: session.id, data: session.data };
    });
    const response = await handler(new Request("http://localhost/", { headers: { cookie: `custom=${token}` } }));
    expect(await response.json()).toEqual({ id: "unbound-1", data: { role: "member" } });
    expect(onError).not.toHaveBeenCalled();
  });
});

describe("schema validation (Standard Schema)", () => {
  const schema = z.object({ user: z.string(), role: z.enum(["admin", "member"]) }).partial();

  it("types data from the schema and yields a fresh session when data fails it", async () => {
    const jar = new CookieJar();
    await visit(jar, { password: NEW }, async (s) => (await s.update({ user: "ada", role: "owner" })).data);
    const onError = vi.fn();
    const handler = toWebHandler(async (event) => {
      const session = await useSession(event, { password: NEW, schema, onError });
      const role: "admin" | "member" | undefined = session.data.role;
      return { role, data: session.data };
    });
    const response = await handler(new Request("http://localhost/", jar.init()));
    expect((await response.json()).data).toEqual({});
    expect(onError).toHaveBeenCalledWith("ERR_SESSION_SCHEMA", expect.anything(), expect.anything());
  });

  it("passes valid data through", async () => {
    const jar = new CookieJar();
    await visit(jar, { password: NEW }, async (s) => (await s.update({ user: "ada", role: "admin" })).data);
    const read = await visit(jar, { password: NEW, schema } as SessionConfig);
    expect(read.body).toEqual({ user: "ada", role: "admin" });
  });
});

describe.each([
  ["valibot", v.partial(v.object({ user: v.string(), role: v.picklist(["admin", "member"]) }))],
  ["arktype", type({ "user?": "string", "role?": "'admin' | 'member'" })],
] as const)("schema validation with %s", (_name, schema) => {
  it("passes valid data through and yields a fresh session, with onError, for data it rejects", async () => {
    const good = new CookieJar();
    await visit(good, { password: NEW }, async (s) => (await s.update({ user: "ada", role: "admin" })).data);
    expect((await visit(good, { password: NEW, schema } as SessionConfig)).body).toEqual({
      user: "ada",
      role: "admin",
    });

    const bad = new CookieJar();
    await visit(bad, { password: NEW }, async (s) => (await s.update({ user: "ada", role: "owner" })).data);
    const onError = vi.fn();
    const handler = toWebHandler(async (event) => {
      const session = await useSession(event, { password: NEW, schema, onError });
      // Typed from the schema: a wrong role type would not compile.
      const role: "admin" | "member" | undefined = session.data.role;
      return { role: role ?? null, data: session.data };
    });
    const response = await handler(new Request("http://localhost/", bad.init()));
    expect(await response.json()).toEqual({ role: null, data: {} });
    expect(onError).toHaveBeenCalledWith("ERR_SESSION_SCHEMA", expect.anything(), expect.anything());
  });
});

describe("a hand-written Standard Schema (no library)", () => {
  type Data = { user?: string; checked?: boolean };
  /** Accepts a string `user` (or none) and marks the output, so a test can see the output is what is used. */
  const schema: StandardSchemaV1<unknown, Data> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => {
        const user = (value as { user?: unknown }).user;
        if (user !== undefined && typeof user !== "string") return { issues: [{ message: "user must be a string" }] };
        return { value: { ...(value as Data), checked: true } };
      },
    },
  };

  it("passes accepted data through as the schema's output", async () => {
    const jar = new CookieJar();
    await visit(jar, { password: NEW }, async (s) => (await s.update({ user: "ada" })).data);
    const onError = vi.fn();
    const read = await visit(jar, { password: NEW, schema, onError });
    expect(read.body).toEqual({ user: "ada", checked: true });
    expect(onError).not.toHaveBeenCalled();
  });

  it("yields a fresh session for rejected data, telling onError the issue", async () => {
    const jar = new CookieJar();
    const first = await visit(jar, { password: NEW }, async (s) => (await s.update({ user: 42 })).id);
    const onError = vi.fn();
    const read = await visit(jar, { password: NEW, schema, onError }, (s) => ({ id: s.id, data: s.data }));
    expect(read.body.id).not.toBe(first.body);
    expect(read.body.data).toEqual({});
    expect(onError).toHaveBeenCalledWith(
      "ERR_SESSION_SCHEMA",
      expect.anything(),
      expect.objectContaining({ message: expect.stringContaining("user must be a string") }),
    );
  });
});

describe("flash messages", () => {
  it("are read once, on the next request", async () => {
    const jar = new CookieJar();
    const config: SessionConfig = { password: NEW };
    await visit(jar, config, async (s) => (await s.flash("notice", "Saved")).id);
    expect((await visit(jar, config, (s) => s.flashes())).body).toEqual({ notice: "Saved" });
    expect((await visit(jar, config, (s) => s.flashes())).body).toEqual({});
  });
});

describe("diagnostics", () => {
  afterEach(() => resetWarnings());

  it.each([
    ["looks like a sample", "some_not_random_password_that_is_also_long_enough"],
    ["has little entropy", "a".repeat(40)],
  ])("warns once when the password %s", async (_why, weak) => {
    const onWarning = vi.fn();
    await visit(new CookieJar(), { password: weak, onWarning });
    await visit(new CookieJar(), { password: weak, onWarning });
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0]?.[1]).toBe("WEAK_PASSWORD");
    expect(onWarning.mock.calls[0]?.[0]).not.toContain(weak);
  });

  it("warns once when more than one password has no id (each costs a derivation for an unknown token)", async () => {
    const onWarning = vi.fn();
    const second = "Zt7!nQ2-wX9kL4pR8vB1mC6yF3hJ0sD5gA";
    await visit(new CookieJar(), { password: [NEW, second], onWarning });
    await visit(new CookieJar(), { password: [NEW, second], onWarning });
    expect(onWarning.mock.calls.map((call) => call[1])).toEqual(["PASSWORDS_WITHOUT_IDS"]);
    expect(onWarning.mock.calls[0]?.[0]).not.toContain(second);
    onWarning.mockClear();
    resetWarnings();
    await visit(new CookieJar(), {
      password: [
        { id: "a", secret: NEW },
        { id: "b", secret: second },
      ],
      onWarning,
    });
    await visit(new CookieJar(), { password: NEW, onWarning });
    expect(onWarning).not.toHaveBeenCalled();
  });

  it("warns when a Secure cookie is set over plain http to a non-localhost host", async () => {
    const onWarning = vi.fn();
    const handler = toWebHandler(async (event) => (await useSession(event, { password: NEW, onWarning })).id);
    await handler(new Request("http://example.com/"));
    await handler(new Request("http://localhost/"));
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0]?.[1]).toBe("SECURE_ON_HTTP");
  });

  it("warns through console.warn when there is no onWarning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const sample = "your-secret-password-here-at-least-32-chars";
      await visit(new CookieJar(), { password: sample });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/^sealed-session: /);
      expect(String(warn.mock.calls[0]?.[0])).not.toContain(sample);
    } finally {
      warn.mockRestore();
    }
  });

  it("warns about a Secure cookie on plain http once per process, across requests and configs", async () => {
    const onWarning = vi.fn();
    for (const [config, url] of [
      [{ password: NEW, onWarning }, "http://example.com/"],
      [{ password: NEW, onWarning }, "http://example.org/"],
    ] as const) {
      const handler = toWebHandler(async (event) => (await useSession(event, config)).id);
      const [line] = (await handler(new Request(url))).headers.getSetCookie();
      expect(line).toContain("; Secure");
    }
    expect(onWarning.mock.calls.map((c) => c[1])).toEqual(["SECURE_ON_HTTP"]);
  });

  it("warns when a session nears the cookie limit", async () => {
    const onWarning = vi.fn();
    await visit(
      new CookieJar(),
      { password: NEW, onWarning },
      async (s) => (await s.update({ blob: "x".repeat(2600) })).id,
    );
    expect(onWarning.mock.calls.map((c) => c[1])).toContain("COOKIE_NEAR_LIMIT");
  });

  it('secure: "auto" drops Secure only for http://localhost', async () => {
    const config: SessionConfig = { password: NEW, cookie: { secure: "auto" } };
    const handler = toWebHandler(async (event) => (await useSession(event, config)).id);
    const local = (await handler(new Request("http://localhost:3000/"))).headers.getSetCookie()[0];
    const remote = (await handler(new Request("https://example.com/"))).headers.getSetCookie()[0];
    expect(local).not.toContain("Secure");
    expect(remote).toContain("; Secure");
  });

  it('secure: "auto" keeps Secure on plain http to a host other than localhost', async () => {
    const config: SessionConfig = { password: NEW, cookie: { secure: "auto" }, onWarning: () => {} };
    const handler = toWebHandler(async (event) => (await useSession(event, config)).id);
    const [line] = (await handler(new Request("http://example.com/"))).headers.getSetCookie();
    expect(line).toMatch(/^h3=Fe26\.2\*/);
    expect(line).toContain("; Secure");
  });
});

describe("schema typing", () => {
  it("types an inline userId callback's data from the schema", async () => {
    const schema = z.object({ user: z.string() }).partial();
    const event = { req: new Request("http://localhost/"), res: { headers: new Headers() } };
    const session = await useSession(event, {
      password: NEW,
      schema,
      store: memoryStore(),
      userId: (data) => data.user,
    });
    await session.update({ user: "ada" });
    const user: string | undefined = session.data.user;
    expect(user).toBe("ada");
  });
});
