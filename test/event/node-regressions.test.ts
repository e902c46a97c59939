import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import {
  createEvent,
  getSession,
  type SessionConfig,
  toNodeListener,
  updateSession,
  useSession,
} from "../../src/index.ts";

const PW = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";

it("toNodeListener: a Response whose body errors must not reject the listener (unhandled rejection)", async () => {
  const listener = toNodeListener(
    () =>
      new Response(
        new ReadableStream({
          pull(c) {
            c.error(new Error("boom"));
          },
        }),
      ),
  );
  let outcome: unknown = "resolved";
  const server = createServer((req, res) => {
    listener(req, res).catch((e) => {
      outcome = e;
      res.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await fetch(`http://127.0.0.1:${port}/`)
    .then((r) => r.text())
    .catch(() => {});
  server.close();
  expect(outcome).toBe("resolved");
});

it("getSession after headers were sent must not throw for a rotated (older-password) cookie", async () => {
  const OLD = "Zr7!pQ2wX9mK4tB8nL1sV6cH3jD0fG5y";
  const oldCfg: SessionConfig = { password: { id: "old", secret: OLD } };
  const cfg: SessionConfig = {
    password: [
      { id: "new", secret: PW },
      { id: "old", secret: OLD },
    ],
  };
  const e0 = { req: new Request("https://x/"), res: { headers: new Headers() }, context: {} };
  await updateSession(e0, oldCfg, { a: 1 });
  const cookie = e0.res.headers.getSetCookie()[0]!.split(";")[0]!;
  let outcome: unknown = "ok";
  const server = createServer(async (req, res) => {
    res.writeHead(200);
    res.write("streaming…");
    try {
      await getSession(createEvent(req, res), cfg);
    } catch (e) {
      outcome = e;
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } }).then((r) => r.text());
  server.close();
  expect(outcome).toBe("ok");
});

async function serve(listener: Parameters<typeof createServer>[1]) {
  const server = createServer(listener);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A raw request, so that the request target and Host header are sent exactly as given. */
function rawGet(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

it("event.url reads a request target that starts with // as a path, not as a host", async () => {
  const { port, close } = await serve(toNodeListener((event) => ({ host: event.url.host, path: event.url.pathname })));
  try {
    const evil = await rawGet(port, "//evil.example/admin", "app.example");
    expect(JSON.parse(evil.body)).toEqual({ host: "app.example", path: "//evil.example/admin" });
    const root = await rawGet(port, "//", "app.example");
    expect(root.status).toBe(200);
    expect(JSON.parse(root.body)).toEqual({ host: "app.example", path: "//" });
    const badHost = await rawGet(port, "/a", "app.example/admin?");
    expect(JSON.parse(badHost.body)).toEqual({ host: "localhost", path: "/a" });
    // Shaped like a host, refused by URL parsing (a port past 65535): the path survives.
    const badPort = await rawGet(port, "/b?x=1", "app.example:99999");
    expect(JSON.parse(badPort.body)).toEqual({ host: "localhost", path: "/b" });
  } finally {
    await close();
  }
});

it("createEvent called twice in one request (middleware, then route) shares one session", async () => {
  const { port, close } = await serve(async (req, res) => {
    const first = await useSession(createEvent(req, res), { password: PW });
    await first.update({ seen: true });
    const second = await useSession(createEvent(req, res), { password: PW });
    await second.update({ visits: 1 });
    res.end(JSON.stringify({ same: first.id === second.id, data: second.data }));
  });
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.json()).toEqual({ same: true, data: { seen: true, visits: 1 } });
    expect(response.headers.getSetCookie()).toHaveLength(1);
  } finally {
    await close();
  }
});
