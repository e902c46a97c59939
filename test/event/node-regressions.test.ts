import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { createEvent, getSession, type SessionConfig, toNodeListener, updateSession } from "../../src/index.ts";

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
