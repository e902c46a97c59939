import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { CookieJar } from "../helpers/cookie-jar.ts";

/** A framework app served over real HTTP on 127.0.0.1, port 0. */
export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves a `node:http` listener (an Express or Connect app, `koa.callback()`). */
export async function serve(listener: RequestListener): Promise<Served> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One answer: status, JSON (or text) body and the Set-Cookie lines. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly cookies: string[];
}

/** A browser of one site: keeps its cookies across requests. */
export class Browser {
  readonly jar = new CookieJar();
  readonly #base: string;

  constructor(base: string) {
    this.#base = base;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(this.#base + path, this.jar.init({ headers }));
    const cookies = this.jar.store(response);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: response.status, body, cookies };
  }
}

/**
 * The session's life through a Node framework's routes, as a user meets it:
 * sign in (`/sign-in` as "ada"), read without a new cookie (`/me`), update
 * (`/visit` twice), regenerate (`/regenerate` keeps the data under a new id),
 * sign out (`/sign-out` deletes the cookie). Express, Connect and Koa serve
 * the same routes.
 */
export async function signInToSignOut(url: string): Promise<void> {
  const browser = new Browser(url);
  expect((await browser.get("/sign-in")).body).toEqual({ user: "ada" });
  const me = await browser.get("/me");
  expect(me.body).toMatchObject({ user: "ada" });
  expect(me.cookies).toEqual([]);
  expect((await browser.get("/visit")).body).toEqual({ visits: 1 });
  expect((await browser.get("/visit")).body).toEqual({ visits: 2 });
  const regenerated = (await browser.get("/regenerate")).body as { before: string; after: string; user: string };
  expect(regenerated.after).not.toBe(regenerated.before);
  expect(regenerated.user).toBe("ada");
  expect((await browser.get("/me")).body).toEqual({ id: regenerated.after, user: "ada" });
  const out = await browser.get("/sign-out");
  expect(out.cookies.some((line) => /^h3=;.*Max-Age=0/i.test(line))).toBe(true);
  expect((await browser.get("/me")).body).toMatchObject({ user: null });
}
