/**
 * The examples of vinxi's session docs, unchanged but for the import path and
 * the password: the docs use "my-secret", which h3 itself refuses (iron needs
 * 32 characters); they read it from SESSION_SECRET, as our DESIGN's seed does.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { eventHandler, getSession, type SessionConfig, toWebHandler, useSession } from "../../src/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";

process.env.SESSION_SECRET ??= "Hk3-pW8!zN1qR6tY0vB4mC7xL2sD9fG5aJ";

const load = async (file: string) => toWebHandler((await import(`./vinxi-examples/${file}.ts`)).default);
const jar = new CookieJar();
let seededId = "";
const send = async (file: string, init?: RequestInit) => {
  const response = await (await load(file))(new Request("http://localhost/", jar.init(init)));
  return { response, setCookies: jar.store(response), text: await response.text() };
};

describe("vinxi's session examples", () => {
  beforeAll(async () => {
    const seed = toWebHandler(async (event) => {
      const session = await useSession(event, { password: process.env.SESSION_SECRET } as SessionConfig);
      await session.update({ user: "vinxi", role: "admin" });
      seededId = session.id ?? "";
    });
    jar.store(await seed(new Request("http://localhost/")));
  });

  it("getSession reads the session without writing", async () => {
    const { response, setCookies } = await send("get-session");
    expect(response.status).toBe(204);
    expect(setCookies).toEqual([]);
    // The example returns nothing: look at the session it loaded, in the same request.
    const example = (await import("./vinxi-examples/get-session.ts")).default;
    const seen = toWebHandler(async (event) => {
      await example(event);
      const session = await getSession(event, { password: process.env.SESSION_SECRET } as SessionConfig);
      return { data: session.data, id: session.id };
    });
    const read = await seen(new Request("http://localhost/", jar.init()));
    expect(jar.store(read)).toEqual([]);
    const body = (await read.json()) as { data: unknown; id: string };
    expect(body.data).toEqual({ user: "vinxi", role: "admin" });
    expect(body.id).toBe(seededId);
  });

  it("updateSession merges { role: 'member' }", async () => {
    const { setCookies } = await send("update-session");
    expect(setCookies).toHaveLength(1);
    const sealed = await send("seal-session");
    const opened = await send("unseal-session", { headers: { "x-sealed": sealed.text } });
    expect(JSON.parse(opened.text).data).toEqual({ user: "vinxi", role: "member" });
  });

  it("useSession updates then clears: the cookie ends deleted", async () => {
    const { setCookies } = await send("use-session");
    expect(setCookies).toHaveLength(1);
    expect(setCookies[0]).toMatch(/^h3=; .*Max-Age=0/);
  });

  it("clearSession deletes the cookie", async () => {
    jar.cookies.set("h3", "anything");
    const { setCookies } = await send("clear-session");
    expect(setCookies[0]).toMatch(/^h3=; .*Max-Age=0/);
    expect(jar.cookies.has("h3")).toBe(false);
  });

  it("unsealSession refuses a bad token with a SessionError code", async () => {
    const { response, text } = await send("unseal-session", { headers: { "x-sealed": "Fe26.2*nope" } });
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ code: "ERR_SEAL_FORMAT" });
  });

  it("the docs' literal password 'my-secret' fails fast with a clear ERR_CONFIG", async () => {
    const handler = toWebHandler(
      eventHandler(async (event) => {
        await useSession(event, { password: "my-secret" } as SessionConfig);
      }),
    );
    const response = await handler(new Request("http://localhost/"));
    expect(response.status).toBe(500);
    const error = await useSession({ req: new Request("http://localhost/") }, {
      password: "my-secret",
    } as SessionConfig).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_CONFIG", message: expect.stringContaining("at least 32 characters") });
  });
});
