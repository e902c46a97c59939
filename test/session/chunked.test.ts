import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as h3v2 from "h3";
import { CookieJar as ToughJar } from "tough-cookie";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AnyEvent,
  clearSession,
  getSession,
  type SessionConfig,
  toNodeListener,
  toWebHandler,
  updateSession,
  useSession,
} from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

const password = "Ck9!mT3-wQ7xR2vZ5bN0cL8yH4sD6gJ1pF";
const config: SessionConfig = { password };
const blob = (bytes: number) =>
  Array.from({ length: bytes / 10 }, (_, i) => `item-${String(i).padStart(5, "0")}`).join("");

describe("a 9 KB session through a real node:http server and a real cookie jar", () => {
  let url: string;
  const server = createServer(
    toNodeListener(async (event) => {
      if (event.url.pathname === "/grow") return (await updateSession(event, config, { cart: blob(9000) })).id;
      if (event.url.pathname === "/shrink") return (await updateSession(event, config, { cart: "small" })).id;
      if (event.url.pathname === "/clear") return clearSession(event, config).then(() => "cleared");
      const session = await getSession<{ cart?: string }>(event, config);
      return { id: session.id, size: session.data.cart?.length ?? 0 };
    }),
  );
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // tough-cookie honours Secure only over https; the session cookie is Secure by default.
  const jar = new ToughJar(undefined, { allowSpecialUseDomain: true });
  const send = async (path: string) => {
    const cookie = await jar.getCookieString(`https://127.0.0.1${path}`);
    const response = await fetch(url + path, { headers: cookie ? { cookie } : {} });
    const lines = response.headers.getSetCookie();
    for (const line of lines) await jar.setCookie(line, `https://127.0.0.1${path}`);
    return { lines, text: await response.text() };
  };

  it("splits into h3 v2 chunks, each Set-Cookie within 4096 bytes, and reads back", async () => {
    const grown = await send("/grow");
    expect(grown.lines.length).toBeGreaterThanOrEqual(4);
    expect(grown.lines[0]).toMatch(/^h3=__chunked__\d;/);
    for (const line of grown.lines) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(4096);
    const read = JSON.parse((await send("/")).text);
    expect(read).toEqual({ id: grown.text, size: 9000 });
  });

  it("deletes stale chunks when the session shrinks, and every chunk on clear", async () => {
    const shrunk = await send("/shrink");
    expect(shrunk.lines.filter((l) => /^h3\.\d+=;/.test(l) && l.includes("Max-Age=0")).length).toBeGreaterThanOrEqual(
      3,
    );
    const names = (await jar.getCookies("https://127.0.0.1/")).map((c) => c.key);
    expect(names).toEqual(["h3"]);
    await send("/grow");
    const cleared = await send("/clear");
    expect(cleared.lines.every((l) => l.includes("Max-Age=0"))).toBe(true);
    expect(await jar.getCookies("https://127.0.0.1/")).toEqual([]);
  });
});

describe("chunked cookies interoperate with h3 v2", () => {
  const h3app = new h3v2.H3().all("/**", async (event) => {
    const session = await h3v2.useSession<{ cart?: string }>(event, { password });
    if (event.url.pathname === "/grow") await session.update({ cart: blob(9000) });
    return { id: session.id, size: session.data.cart?.length ?? 0 };
  });
  const ours = toWebHandler(async (event: AnyEvent) => {
    const session = await useSession<{ cart?: string }>(event, config);
    if ((event as { url: URL }).url.pathname === "/grow") await session.update({ cart: blob(9000) });
    return { id: session.id, size: session.data.cart?.length ?? 0 };
  });
  const call = async (handler: (r: Request) => Promise<Response> | Response, jar: CookieJar, path: string) => {
    const response = await handler(new Request(`http://localhost${path}`, jar.init()));
    jar.store(response);
    return response.json() as Promise<{ id: string; size: number }>;
  };

  it("h3 v2 reads a chunked session written by this library", async () => {
    const jar = new CookieJar();
    const written = await call(ours, jar, "/grow");
    expect(jar.cookies.get("h3")).toMatch(/^__chunked__\d$/);
    expect(await call((r) => h3app.fetch(r), jar, "/")).toEqual(written);
  });

  it("this library reads a chunked session written by h3 v2", async () => {
    const jar = new CookieJar();
    const written = await call((r) => h3app.fetch(r), jar, "/grow");
    expect(jar.cookies.get("h3")).toMatch(/^__chunked__\d$/);
    expect(await call(ours, jar, "/")).toEqual(written);
  });
});

describe("size limits", () => {
  it("fails an oversized update with ERR_SESSION_TOO_LARGE before any header is written", async () => {
    const event = { req: new Request("http://localhost/"), res: { headers: new Headers() } };
    event.res.headers.append("set-cookie", "theme=dark");
    const error = await updateSession(event, config, { huge: blob(20_000) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_SESSION_TOO_LARGE", status: 500 });
    expect(event.res.headers.getSetCookie()).toEqual(["theme=dark"]);
    const few = { password, cookie: { maxChunks: 2 } } satisfies SessionConfig;
    const tooMany = await updateSession(
      { req: new Request("http://localhost/"), res: { headers: new Headers() } },
      few,
      {
        big: blob(9000),
      },
    ).catch((e: unknown) => e);
    expect(tooMany).toMatchObject({ code: "ERR_SESSION_TOO_LARGE" });
  });

  it.each([
    "__chunked__999999999",
    "__chunked__-1",
    "__chunked__3",
    "__chunked__abc",
    `__chunked__${"9".repeat(5000)}`,
  ])("treats the malicious main cookie %s as no session, in bounded time", async (value) => {
    const event = { req: new Request("http://localhost/", { headers: { cookie: `h3=${value}; h3.1=x` } }) };
    const started = performance.now();
    const session = await getSession(event, config);
    expect(session.data).toEqual({});
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("size checks count the cookie's attributes", () => {
  /** The name=value pairs a browser would send back for these Set-Cookie lines. */
  const cookieHeader = (lines: string[]) =>
    lines
      .map((line) => line.slice(0, line.indexOf(";")))
      .filter((pair) => !pair.endsWith("="))
      .join("; ");
  /** Writes a session holding `bytes` of data under `cfg`; returns its lines and what a later request reads. */
  const roundTrip = async (cfg: SessionConfig, url: string, bytes: number) => {
    const write = { req: new Request(url), res: { headers: new Headers() } };
    await updateSession(write, cfg, { cart: blob(bytes) });
    const lines = write.res.headers.getSetCookie();
    const read = await getSession<{ cart?: string }>(
      { req: new Request(url, { headers: { cookie: cookieHeader(lines) } }) },
      cfg,
    );
    return { lines, size: read.data.cart?.length ?? 0 };
  };

  it("keeps every Set-Cookie within 4096 bytes with a long Domain, Path and Max-Age, and reads back", async () => {
    // 203 characters of valid hostname labels (each at most 63) and a 100-character path.
    const domain = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.example.com`;
    const path = `/${"segment/".repeat(12)}end`;
    expect([domain.length, path.length]).toEqual([203, 100]);
    const cfg: SessionConfig = { password, maxAge: 86_400, cookie: { domain, path }, onWarning: () => {} };
    const counts = new Set<number>();
    for (let bytes = 2000; bytes <= 9000; bytes += 500) {
      const { lines, size } = await roundTrip(cfg, `https://${domain}${path}`, bytes);
      for (const line of lines) {
        expect(new TextEncoder().encode(line).length, `${bytes} bytes: ${line.slice(0, 40)}`).toBeLessThanOrEqual(4096);
        expect(line).toContain(`; Path=${path}; Domain=${domain}; Max-Age=`);
        expect(line).toMatch(/; Max-Age=(86400|86399); Expires=/);
      }
      expect(size, `${bytes} bytes read back`).toBe(bytes);
      counts.add(lines.length);
    }
    // The sweep crossed from one cookie to chunks, and from 2 to 3 chunks (plus the marker).
    expect([...counts].sort()).toEqual([1, 3, 4, 5]);
  });

  it("splits at a custom cookie.chunkMaxLength: more, smaller chunks that read back", async () => {
    const cfg: SessionConfig = { password, cookie: { chunkMaxLength: 1000, maxChunks: 20 } };
    const chunksOf = (lines: string[]) =>
      lines
        .filter((line) => /^h3\.\d+=/.test(line))
        .map((line) => line.slice(line.indexOf("=") + 1, line.indexOf(";")));
    const big = await roundTrip(cfg, "https://localhost/", 9000);
    const chunks = chunksOf(big.lines);
    expect(big.lines[0]).toMatch(new RegExp(`^h3=__chunked__${chunks.length};`));
    expect(chunks.length).toBe(Math.ceil(chunks.join("").length / 1000));
    expect(chunks.length).toBeGreaterThanOrEqual(12);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(1000);
    expect(big.size).toBe(9000);
    // A token over 1000 characters is split even though one cookie of it would fit in 4096 bytes.
    const small = await roundTrip(cfg, "https://localhost/", 1000);
    expect(chunksOf(small.lines)).toHaveLength(2);
    expect(small.size).toBe(1000);
  });
});

describe("chunks left behind by an overlapping response", () => {
  it("are deleted by the next write even when the main cookie is no longer chunked", async () => {
    // Two requests in flight: the one that grew the session answered first, so
    // the browser holds the other's single cookie beside the first one's chunks.
    const grown = { req: new Request("https://localhost/"), res: { headers: new Headers() } };
    await updateSession(grown, config, { cart: blob(9000) });
    const chunks = grown.res.headers
      .getSetCookie()
      .map((line) => line.slice(0, line.indexOf(";")))
      .filter((pair) => /^h3\.\d+=/.test(pair));
    expect(chunks.length).toBeGreaterThan(1);
    const small = { req: new Request("https://localhost/"), res: { headers: new Headers() } };
    await updateSession(small, config, { cart: "small" });
    const single = small.res.headers.getSetCookie()[0]?.split(";")[0] ?? "";
    const cookie = [single, ...chunks].join("; ");
    const next = { req: new Request("https://localhost/", { headers: { cookie } }), res: { headers: new Headers() } };
    await updateSession(next, config, { cart: "smaller" });
    const deleted = next.res.headers.getSetCookie().filter((line) => /^h3\.\d+=;.*Max-Age=0/.test(line));
    expect(deleted.map((line) => line.split("=")[0])).toEqual(chunks.map((pair) => pair.split("=")[0]));
  });
});
