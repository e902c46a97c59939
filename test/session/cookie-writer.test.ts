/** The session cookie as written: Secure on local hosts, and what an oversized or near-limit session is told. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { type SessionConfig, toWebHandler, updateSession, useSession } from "../../src/index.ts";
import { resetWarnings } from "../../src/session/warnings.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";

describe("the session cookie", () => {
  afterEach(() => resetWarnings());

  it('secure: "auto" over plain http drops Secure for every local host name, and only for those', async () => {
    const config: SessionConfig = { password, cookie: { secure: "auto" }, onWarning: () => {} };
    const handler = toWebHandler(async (event) => (await useSession(event, config)).id);
    const secure = async (url: string) =>
      (await handler(new Request(url))).headers.getSetCookie()[0]?.includes("; Secure");
    for (const url of ["http://localhost/", "http://127.0.0.1/", "http://[::1]/", "http://app.localhost/"]) {
      expect(await secure(url)).toBe(false);
    }
    for (const url of ["http://localhost.example.com/", "http://127.0.0.2/", "https://localhost/"]) {
      expect(await secure(url)).toBe(true);
    }
  });

  it('secure: "auto" with sameSite "none" keeps Secure even on localhost', async () => {
    const config: SessionConfig = { password, cookie: { secure: "auto", sameSite: "none" } };
    const handler = toWebHandler(async (event) => (await useSession(event, config)).id);
    expect((await handler(new Request("http://localhost/"))).headers.getSetCookie()[0]).toContain("; Secure");
  });

  it("a Secure cookie over http to a remote host is still set, with a warning that says what to do", async () => {
    const onWarning = vi.fn();
    const handler = toWebHandler(async (event) => (await useSession(event, { password, onWarning })).id);
    expect((await handler(new Request("http://example.com/"))).headers.getSetCookie()[0]).toContain("; Secure");
    expect(onWarning.mock.calls).toEqual([
      [
        'sealed-session: cookie "h3" is Secure but the request came over plain http to a non-localhost host; browsers will not send it back. Serve over https or set cookie.secure to "auto" behind a TLS proxy.',
        "SECURE_ON_HTTP",
      ],
    ]);
  });

  it("secure: false sets no Secure and warns about nothing", async () => {
    const onWarning = vi.fn();
    const config: SessionConfig = { password, cookie: { secure: false }, onWarning };
    const handler = toWebHandler(async (event) => (await useSession(event, config)).id);
    expect((await handler(new Request("http://example.com/"))).headers.getSetCookie()[0]).not.toContain("Secure");
    expect(onWarning).not.toHaveBeenCalled();
  });

  it("an oversized session is refused with the sizes and the option to change", async () => {
    const event = () => ({ req: new Request("https://example.com/"), res: { headers: new Headers() }, context: {} });
    const tooLong = await updateSession(
      event(),
      { password, cookie: { maxTotalLength: 1000 } },
      {
        blob: "x".repeat(2000),
      },
    ).catch((error: Error) => error.message);
    expect(tooLong).toMatch(
      /^session "h3" seals to \d+ characters, over cookie\.maxTotalLength \(1000\)\. Keep less in the session or use a store\.$/,
    );
    const tooMany = await updateSession(
      event(),
      { password, cookie: { maxChunks: 1, chunkMaxLength: 1000 } },
      {
        blob: "x".repeat(3000),
      },
    ).catch((error: Error) => error.message);
    expect(tooMany).toMatch(
      /^session "h3" needs [4-9] cookies of 1000 characters; the limit is 1 \(cookie\.maxChunks\)\. Keep less in the session or use a store\.$/,
    );
  });

  it("a token exactly as long as maxTotalLength or chunkMaxLength fits; a chunked session gets no near-limit warning", async () => {
    const event = () => ({ req: new Request("https://example.com/"), res: { headers: new Headers() }, context: {} });
    const data = { blob: "x".repeat(500) };
    const probe = event();
    await updateSession(probe, { password, generateId: () => "fixed" }, data);
    const length = probe.res.headers.getSetCookie()[0]!.split(";")[0]!.length - "h3=".length;
    for (const cookie of [{ maxTotalLength: length }, { chunkMaxLength: length }]) {
      const exact = event();
      await updateSession(exact, { password, generateId: () => "fixed", cookie }, data);
      expect(exact.res.headers.getSetCookie().map((line) => line.split("=")[0])).toEqual(["h3"]);
    }
    const onWarning = vi.fn();
    const chunked = event();
    await updateSession(chunked, { password, onWarning }, { blob: "x".repeat(6000) });
    expect(chunked.res.headers.getSetCookie().length).toBeGreaterThan(2);
    expect(onWarning).not.toHaveBeenCalled();
  });

  it("warns once when a single cookie comes near 4096 bytes, with its size", async () => {
    const onWarning = vi.fn();
    const event = { req: new Request("https://example.com/"), res: { headers: new Headers() }, context: {} };
    await updateSession(event, { password, onWarning }, { blob: "x".repeat(2600) });
    expect(onWarning.mock.calls).toEqual([
      [
        expect.stringMatching(
          /^sealed-session: session "h3" is 3\d{3} bytes, near the 4096-byte cookie limit; larger sessions are split into chunks$/,
        ),
        "COOKIE_NEAR_LIMIT",
      ],
    ]);
  });
});
