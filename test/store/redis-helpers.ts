/** Processes and keys for the Redis tests: app servers, private redis-servers, cleanup. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection, createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { CookieJar } from "../helpers/cookie-jar.ts";

/** What the fixture app answers (fields depend on the route). */
export interface AppBody {
  server?: string;
  id?: string;
  data?: Record<string, unknown>;
  code?: string;
  [field: string]: unknown;
}

/** One request's outcome, cookies already applied to the jar. */
export interface Sent {
  status: number;
  setCookies: string[];
  body: AppBody;
}

/** A running app server (test/store/fixtures/redis-app.ts) in its own Node process. */
export interface TestServer {
  readonly port: number;
  send(jar: CookieJar, method: string, path: string): Promise<Sent>;
  stop(): Promise<void>;
}

const fixture = fileURLToPath(new URL("./fixtures/redis-app.ts", import.meta.url));

/** Starts the fixture app with `env` on a free port (it reports the port on stdout). */
export async function startAppServer(env: Record<string, string>): Promise<TestServer> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(([code]) => Promise.reject(new Error(`test server exited with ${code}`))),
  ])) as [string];
  const { port } = JSON.parse(first) as { port: number };
  return {
    port,
    send: (jar, method, path) => sendTo(`http://127.0.0.1:${port}${path}`, jar, method),
    stop: () => stopProcess(child),
  };
}

/** Sends a request with the jar's cookies and applies the response's Set-Cookie to it. */
export async function sendTo(url: string, jar: CookieJar, method = "GET"): Promise<Sent> {
  const response = await fetch(url, jar.init({ method }));
  const setCookies = jar.store(response);
  const text = await response.text();
  return { status: response.status, setCookies, body: text ? (JSON.parse(text) as AppBody) : {} };
}

/** A second browser holding the same cookies (a stolen cookie, a second tab). */
export function cloneJar(jar: CookieJar): CookieJar {
  const copy = new CookieJar();
  for (const [name, value] of jar.cookies) copy.cookies.set(name, value);
  return copy;
}

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared Redis is not blocked). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Resolves once the child has exited (at once if it already has). */
export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, "exit");
}

/** Ends a child process: SIGTERM, then SIGKILL if it lingers. A stopped (SIGSTOP) one is continued first. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGCONT");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

/** A redis-server of the test's own on a free port, never the shared one. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Starts it again on the same port, loading `dir/dump.rdb` if a snapshot is there. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --port <port> --save "" --appendonly no --dir <dir>` on
 * `port` (default: a free one); resolves once it answers PING.
 */
export async function startPrivateRedis(dir: string, port?: number): Promise<PrivateRedis> {
  port ??= await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  const launch = async () => {
    const child = spawn("redis-server", args, { stdio: "ignore" });
    await waitForPing(port, child);
    return child;
  };
  const handle = { port, url: `redis://127.0.0.1:${port}`, process: await launch() };
  return Object.assign(handle, {
    async restart() {
      await stopProcess(handle.process);
      handle.process = await launch();
    },
    stop: () => stopProcess(handle.process),
  });
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer within 10 s`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}
