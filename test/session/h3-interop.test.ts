import * as h3v2 from "h3";
import * as h3v1 from "h3-v1";
import { describe, expect, it } from "vitest";
import { type AnyEvent, getSession, type SessionConfig, toWebHandler, useSession } from "../../src/index.ts";
import { claimsTag } from "../../src/seal/tags.ts";
import { useFakeClock } from "../helpers/clock.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

const password = "Pz4!rQ9-wX2mK7vB0nT5yL8cF3hJ6dS1aG";
const URL_ = "http://localhost/";
type Data = { user?: string; n?: number };

/** An h3 v1 app (vinxi, Nuxt 3) that writes { user, n } into its session and echoes it. */
function h3v1App(seal?: Record<string, unknown>) {
  const app = h3v1.createApp();
  app.use(
    h3v1.eventHandler(async (event) => {
      const session = await h3v1.useSession<Data>(event, { password, ...(seal ? { seal } : {}) } as h3v1.SessionConfig);
      if (event.path.startsWith("/write")) await session.update({ user: "from-h3v1", n: 1 });
      return { id: session.id, data: session.data };
    }),
  );
  return h3v1.toWebHandler(app);
}

/** An h3 v2 app with its default session options, plus `extra`. */
function h3v2App(extra: Partial<h3v2.SessionConfig> = {}) {
  const app = new h3v2.H3().all("/**", async (event) => {
    const session = await h3v2.useSession<Data>(event, { password, ...extra });
    if (event.url.pathname.startsWith("/write")) await session.update({ user: "from-h3v2", n: 2 });
    return { id: session.id, data: session.data };
  });
  return (request: Request) => Promise.resolve(app.fetch(request));
}

/** The same app written with this library. */
function ours(config: SessionConfig<Data> = { password }) {
  return toWebHandler(async (event: AnyEvent) => {
    const session = await useSession<Data>(event, config);
    if ((event as { url: URL }).url.pathname.startsWith("/write")) await session.update({ user: "from-us", n: 3 });
    return { id: session.id, data: session.data };
  });
}

async function call(handler: (r: Request) => Promise<Response>, jar: CookieJar, path = "/") {
  const response = await handler(new Request(URL_.slice(0, -1) + path, jar.init()));
  const setCookies = jar.store(response);
  return { body: (await response.json()) as { id: string; data: Data }, setCookies };
}

describe("cookies written by h3 apps are read by this library", () => {
  it("h3 v1 (1 iteration): same id and data, resealed at 8192 iterations on first read", async () => {
    const jar = new CookieJar();
    const written = await call(h3v1App(), jar, "/write");
    const read = await call(ours(), jar);
    expect(read.body).toEqual(written.body);
    expect(read.setCookies).toHaveLength(1); // the legacy seal was upgraded
    const again = await call(ours({ password, legacySealFallback: false }), jar);
    expect(again.body).toEqual(written.body);
  });

  it("h3 v2 (defaults): same id and data, resealed once with tagged salts, and h3 v2 still reads it", async () => {
    const jar = new CookieJar();
    const written = await call(h3v2App(), jar, "/write");
    expect(tagged(jar)).toBe(false);
    const read = await call(ours(), jar);
    expect(read.body).toEqual(written.body);
    expect(read.setCookies).toHaveLength(1); // the untagged seal was resealed, once
    expect(tagged(jar)).toBe(true);
    expect((await call(ours(), jar)).setCookies).toEqual([]);
    expect((await call(h3v2App(), jar)).body).toEqual(written.body);
  });
});

/** True when the jar's session cookie carries this library's salt tags. */
const tagged = (jar: CookieJar) => {
  const parts = (jar.cookies.get("h3") ?? "").split("*");
  return claimsTag(parts[2] ?? "", parts[6] ?? "");
};

describe("cookies written by this library are read by h3 apps", () => {
  it("h3 v2 with its defaults", async () => {
    const jar = new CookieJar();
    const written = await call(ours(), jar, "/write");
    expect(tagged(jar)).toBe(true);
    const read = await call(h3v2App(), jar);
    expect(read.body).toEqual(written.body);
  });

  it.each([
    ["seal: { iterations: 1 }", { iterations: 1 }],
    ["nested iron form", { encryption: { iterations: 1 }, integrity: { iterations: 1 } }],
  ])("h3 v1 when we write with %s", async (_label, seal) => {
    const jar = new CookieJar();
    const written = await call(ours({ password, seal }), jar, "/write");
    expect(tagged(jar)).toBe(true);
    const read = await call(h3v1App(), jar);
    expect(read.body).toEqual(written.body);
  });
});

describe("idle sessions across h3 v2 (idleTimeout: 60 on both sides)", () => {
  const at = useFakeClock();
  /** A second browser holding the same cookies. */
  const copy = (jar: CookieJar) => {
    const other = new CookieJar();
    for (const [name, value] of jar.cookies) other.cookies.set(name, value);
    return other;
  };
  const theirs = h3v2App({ idleTimeout: 60 });
  const mine = ours({ password, idleTimeout: 60 });

  it.each([
    ["h3 v2 writes, this library reads", theirs, mine],
    ["this library writes, h3 v2 reads", mine, theirs],
  ])(
    "%s: alive after 59 s idle, a new session after 61 s; a slid cookie is read back",
    async (_label, writer, reader) => {
      const jar = new CookieJar();
      const written = await call(writer, jar, "/write");
      expect(written.body.data.user).toBeDefined();
      const untouched = copy(jar);

      at(59);
      const alive = await call(reader, jar);
      expect(alive.body).toEqual(written.body);
      expect(alive.setCookies).toHaveLength(1); // past half the window: the read slid the session

      at(61);
      const expired = await call(reader, untouched);
      expect(expired.body.id).not.toBe(written.body.id);
      expect(expired.body.data).toEqual({});

      // The reader's slid cookie carries a lastSeenAt the writer honours: 118 s after creation, 59 s idle.
      at(118);
      expect((await call(writer, jar)).body).toEqual(written.body);
    },
  );
});

describe("h3 events are accepted directly", () => {
  it("useSession inside an h3 v2 handler", async () => {
    const app = new h3v2.H3().all("/**", async (event) => {
      const session = await useSession<Data>(event, { password });
      await session.update({ user: "inside-h3v2" });
      return (await getSession<Data>(event, { password })).data;
    });
    const response = await app.fetch(new Request(URL_));
    expect(await response.json()).toEqual({ user: "inside-h3v2" });
    expect(response.headers.getSetCookie()[0]).toMatch(/^h3=Fe26\.2\*/);
  });

  it("useSession inside an h3 v1 handler", async () => {
    const app = h3v1.createApp();
    app.use(
      h3v1.eventHandler(async (event) => {
        const session = await useSession<Data>(event, { password });
        await session.update({ user: "inside-h3v1" });
        return session.data;
      }),
    );
    const response = await h3v1.toWebHandler(app)(new Request(URL_));
    expect(await response.json()).toEqual({ user: "inside-h3v1" });
    expect(response.headers.getSetCookie()[0]).toMatch(/^h3=Fe26\.2\*/);
  });
});
