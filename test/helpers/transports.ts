import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { H3 } from "h3";
import { createApp, eventHandler as h3v1Handler, toNodeListener as h3v1Listener } from "h3-v1";
import { type AnyEvent, toNodeListener, toWebHandler } from "../../src/index.ts";

/** A handler written once against any event shape. */
export type TestHandler = (event: AnyEvent) => unknown;

/** Sends one request through a server flavour and returns the web Response. */
export interface Transport {
  readonly name: string;
  fetch(handler: TestHandler, path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const BASE = "http://localhost";

function webTransport(): Transport {
  return {
    name: "fetch (toWebHandler)",
    fetch: (handler, path, init) => toWebHandler(handler)(new Request(BASE + path, init)),
    close: async () => {},
  };
}

function plainTransport(): Transport {
  return {
    name: "plain { req, res }",
    async fetch(handler, path, init) {
      const event = { req: new Request(BASE + path, init), res: { headers: new Headers() } };
      try {
        const body = await handler(event);
        return new Response(body === undefined ? null : JSON.stringify(body), { headers: event.res.headers });
      } catch {
        return new Response(null, { status: 500, headers: event.res.headers });
      }
    },
    close: async () => {},
  };
}

function h3v2Transport(): Transport {
  let current: TestHandler = () => null;
  const app = new H3().all("/**", (event) => current(event as unknown as AnyEvent) as never);
  return {
    name: "h3 v2 (H3Event)",
    fetch(handler, path, init) {
      current = handler;
      return Promise.resolve(app.fetch(new Request(BASE + path, init)));
    },
    close: async () => {},
  };
}

/** A real node:http server whose listener is swapped per request. */
async function nodeServer(
  name: string,
  makeListener: (get: () => TestHandler) => Parameters<typeof createServer>[1],
): Promise<Transport> {
  let current: TestHandler = () => null;
  const server: Server = createServer(makeListener(() => current));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    async fetch(handler, path, init) {
      current = handler;
      const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
      // Let the body download before the next request reuses the server.
      const body = await response.arrayBuffer();
      return new Response(response.status === 204 ? null : body, {
        status: response.status,
        headers: response.headers,
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every server flavour the session suite runs through. */
export async function allTransports(): Promise<Transport[]> {
  return [
    webTransport(),
    plainTransport(),
    h3v2Transport(),
    await nodeServer("node:http (toNodeListener)", (get) => toNodeListener((event) => get()(event))),
    await nodeServer("h3 v1 (H3Event)", (get) => {
      const app = createApp();
      app.use(h3v1Handler((event) => get()(event as unknown as AnyEvent) as never));
      return h3v1Listener(app);
    }),
  ];
}
