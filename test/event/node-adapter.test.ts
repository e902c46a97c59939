import { createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { eventHandler, HTTPError, toNodeListener, updateSession, useSession } from "../../src/index.ts";

const password = "Nd6!qT1-wR8xK3vM5bZ0cL7yH2sG9fJ4pA";
const OriginalRequest = globalThis.Request;

afterEach(() => {
  globalThis.Request = OriginalRequest;
});

async function serve(handler: Parameters<typeof toNodeListener>[0]) {
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("the Node adapter", () => {
  it("serves sessions without building a web Request", async () => {
    const { base, close } = await serve(
      eventHandler(async (event) => {
        const session = await useSession<{ n?: number }>(event, { password });
        await session.update((d) => ({ n: (d.n ?? 0) + 1 }));
        return session.data;
      }),
    );
    let built = 0;
    const response = await fetch(base);
    const cookie = response.headers.getSetCookie()[0]?.split(";")[0] ?? "";
    // From here on, count every Request construction in this process.
    globalThis.Request = class extends OriginalRequest {
      constructor(...args: ConstructorParameters<typeof Request>) {
        super(...args);
        built++;
      }
    };
    // node:http's client builds no Request either, so any construction is the server's.
    const second = await new Promise<string>((resolve, reject) => {
      get(base, { headers: { cookie } }, (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve(body));
      }).on("error", reject);
    });
    expect(JSON.parse(second)).toEqual({ n: 2 });
    expect(built).toBe(0);
    await close();
  });

  it("builds event.req lazily with the body when a handler asks for it", async () => {
    const { base, close } = await serve(async (event) => {
      const form = await event.req.formData();
      await updateSession(event, { password }, { name: String(form.get("name")) });
      return { name: form.get("name"), method: event.method, path: event.url.pathname };
    });
    const response = await fetch(`${base}/sign-in`, { method: "POST", body: new URLSearchParams({ name: "ada" }) });
    expect(await response.json()).toEqual({ name: "ada", method: "POST", path: "/sign-in" });
    expect(response.headers.getSetCookie()[0]).toMatch(/^h3=Fe26/);
    await close();
  });

  it("maps return values and errors to responses", async () => {
    const { base, close } = await serve(async (event) => {
      switch (event.url.pathname) {
        case "/html":
          return "<p>hi</p>";
        case "/bytes":
          return new Uint8Array([1, 2, 3]);
        case "/none":
          return null;
        case "/response":
          return new Response("raw", { status: 201, headers: { "x-a": "1" } });
        case "/401":
          throw new HTTPError(401, "Sign in first");
        default:
          throw new Error("secret internals");
      }
    });
    const html = await fetch(`${base}/html`);
    expect(html.headers.get("content-type")).toContain("text/html");
    expect(new Uint8Array(await (await fetch(`${base}/bytes`)).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect((await fetch(`${base}/none`)).status).toBe(204);
    const raw = await fetch(`${base}/response`);
    expect([raw.status, raw.headers.get("x-a"), await raw.text()]).toEqual([201, "1", "raw"]);
    const unauthorized = await fetch(`${base}/401`);
    expect([unauthorized.status, (await unauthorized.json()).message]).toEqual([401, "Sign in first"]);
    const failed = await fetch(`${base}/boom`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain("secret internals");
    await close();
  });
});
