import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { type AddressInfo, isIP } from "node:net";
import { getSession, type RedisStore, redisStore, toNodeListener } from "sealed-session";
import { createRoutes } from "./routes.ts";
import { demoConfig } from "./session.ts";

/** How to run the demo; every field has a development default. */
export interface DemoOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number;
  /** Address to bind. Default `localhost`: the demo is not meant for a network. */
  host?: string | undefined;
  /** The session password; without one a development password is generated. */
  password?: string | undefined;
  /** `redis://…`: keep sessions in Redis instead of the cookie. */
  redisUrl?: string | undefined;
  /** Where the startup lines go. Default `console.log`. */
  log?: (line: string) => void;
}

/** A running demo. */
export interface RunningDemo {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts the demo server: the library's `eventHandler` routes served through
 * its `toNodeListener` on `node:http`. Fails at startup, not at the first
 * request, when the password or Redis is unusable.
 *
 * @example
 * const demo = await startDemo({ port: 0 });
 * console.log(demo.url);
 * await demo.close();
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? ((line: string) => console.log(line));
  let password = options.password;
  if (!password) {
    password = randomBytes(32).toString("base64url");
    log("No SESSION_SECRET set: using a development password made for this run (sessions end when the server stops).");
  }
  const store = options.redisUrl ? redisStore({ url: options.redisUrl, prefix: "sealed-session-demo:" }) : undefined;
  const config = demoConfig(password, store);
  const storeLabel = store ? `Redis (${redactUrl(options.redisUrl as string)})` : undefined;
  try {
    // Resolves the config: a short password throws here, not at the first request.
    await getSession({ req: new Request("http://localhost/") }, config);
    await store?.listByUser("startup-check").catch((error: unknown) => {
      throw new Error(`cannot reach ${storeLabel}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    });
  } catch (error) {
    await store?.close();
    throw error;
  }
  const server = createServer(toNodeListener(createRoutes({ config, storeLabel })));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3000, options.host ?? "localhost", resolve);
  });
  const { url, everywhere } = listenUrl(options.host, server.address() as AddressInfo);
  const where = everywhere ? ` (listening on every interface, ${everywhere})` : "";
  log(`sealed-session demo on ${url}${where}${storeLabel ? `, sessions in ${storeLabel}` : ""}`);
  return { url, server, close: () => close(server, store) };
}

/**
 * The URL a server listening on `address` answers at, for a browser: the host
 * name it was given (`localhost` by default), the address itself for an IP
 * (`http://127.0.0.1:3000`, `http://[::1]:3000`), and `localhost` for a
 * wildcard address (0.0.0.0, ::), which then comes back as `everywhere`.
 *
 * @example
 * listenUrl("127.0.0.1", { address: "127.0.0.1", port: 3000 }).url; // "http://127.0.0.1:3000"
 */
export function listenUrl(
  host: string | undefined,
  address: Pick<AddressInfo, "address" | "port">,
): { url: string; everywhere: string | undefined } {
  const wildcard = address.address === "0.0.0.0" || address.address === "::";
  let name = host ?? "localhost";
  if (wildcard) name = "localhost";
  else if (isIP(name) !== 0) name = isIP(address.address) === 6 ? `[${address.address}]` : address.address;
  return { url: `http://${name}:${address.port}`, everywhere: wildcard ? address.address : undefined };
}

/** A port number, 0 (any free port) to 65535; undefined when `text` is not one. */
export function parsePort(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65_535 ? Number(text) : undefined;
}

async function close(server: Server, store: RedisStore | undefined): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store?.close();
}

/** The URL without its password, fit for a log line or a page. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "the given URL";
  }
}
