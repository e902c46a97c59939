import { parseSetCookie } from "cookie-es";
import { expect } from "vitest";
import { CookieJar } from "../helpers/cookie-jar.ts";

/**
 * The routes every adapter fixture app serves (session cookie `sid`, data
 * `{ user?, visits?, failed?, own? }`), and the walk through them that each
 * adapter test runs over real HTTP on every runtime.
 *
 * GET  /anon         reads the session, writes nothing       → { user }
 * GET  /me           → { id, data }
 * POST /sign-in?user regenerate, then update({ user })         → { user }
 * POST /visit        awaited update: visits + 1               → { visits }
 * POST /visit-later  the same update, not awaited             → { queued: true }
 * POST /regenerate   awaited regenerate                       → { id }
 * POST /fail         update({ failed: true }) not awaited, then throws (500)
 * POST /own-cookies  the app's own cookies, then update({ own: true })
 * POST /sign-out     awaited clear                            → { user: null }
 */
export const SESSION_NAME = "sid";
export const PASSWORD = "q8Vt3LmZ0rXw6KpN2sHc9YbJ4fGd7Ua1";

type Me = { id: string | null; data: { user?: string; visits?: number; failed?: boolean; own?: boolean } };

export function cookieNames(lines: readonly string[]): string[] {
  return lines.map((line) => parseSetCookie(line)?.name ?? "?");
}

export class Client {
  readonly jar = new CookieJar();
  constructor(readonly base: string) {}

  async call(method: "GET" | "POST", path: string): Promise<{ status: number; lines: string[]; body: unknown }> {
    const response = await fetch(`${this.base}${path}`, this.jar.init({ method }));
    const lines = this.jar.store(response);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: response.status, lines, body };
  }

  async me(): Promise<Me> {
    const { status, lines, body } = await this.call("GET", "/me");
    expect(status).toBe(200);
    expect(lines, "reading the session writes no cookie").toEqual([]);
    return body as Me;
  }
}

/** Sign in → read → update → regenerate → fail → own cookies → sign out, asserting each answer. */
export async function walkThrough(base: string, ownCookies: readonly string[]): Promise<void> {
  const anonymous = new Client(base);
  const anon = await anonymous.call("GET", "/anon");
  expect(anon.status).toBe(200);
  expect(anon.body).toEqual({ user: null });
  expect(anon.lines, "an anonymous request that writes nothing gets no Set-Cookie").toEqual([]);

  const client = new Client(base);
  const signIn = await client.call("POST", "/sign-in?user=ada");
  expect(signIn.body).toEqual({ user: "ada" });
  expect(cookieNames(signIn.lines)).toEqual([SESSION_NAME]);
  expect(signIn.lines[0]).toMatch(/^sid=Fe26\.2\*/);
  const first = await client.me();
  expect(first.data).toEqual({ user: "ada" });
  expect(first.id).toMatch(/./);

  expect((await client.call("POST", "/visit")).body).toEqual({ visits: 1 });
  const later = await client.call("POST", "/visit-later");
  expect(later.body).toEqual({ queued: true });
  expect(cookieNames(later.lines), "an update the route did not await still lands").toEqual([SESSION_NAME]);
  expect((await client.me()).data).toEqual({ user: "ada", visits: 2 });

  const regenerated = await client.call("POST", "/regenerate");
  const second = await client.me();
  expect(second.id).not.toBe(first.id);
  expect(regenerated.body).toEqual({ id: second.id });
  expect(second.data).toEqual({ user: "ada", visits: 2 });

  const failed = await client.call("POST", "/fail");
  expect(failed.status).toBe(500);
  expect(cookieNames(failed.lines), "an error response keeps the session cookie").toEqual([SESSION_NAME]);
  expect((await client.me()).data).toEqual({ user: "ada", visits: 2, failed: true });

  const own = await client.call("POST", "/own-cookies");
  expect(own.status).toBe(200);
  expect(cookieNames(own.lines).sort(), "the app's cookies and the session's all arrive").toEqual(
    [...ownCookies, SESSION_NAME].sort(),
  );
  expect((await client.me()).data).toEqual({ user: "ada", visits: 2, failed: true, own: true });

  const signOut = await client.call("POST", "/sign-out");
  expect(signOut.body).toEqual({ user: null });
  expect(cookieNames(signOut.lines)).toEqual([SESSION_NAME]);
  expect(client.jar.cookies.has(SESSION_NAME), "signing out deletes the cookie").toBe(false);
  const out = await client.me();
  expect(out.data).toEqual({});
}
