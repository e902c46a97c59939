/**
 * How the Redis tests find Redis: `REDIS_URL`. Without it (or when it does
 * not answer) they skip with one line saying why, except on CI (`CI` set),
 * where a skip would hide a broken setup, so they fail instead.
 */
import { spawnSync } from "node:child_process";
import { createConnection } from "node:net";

/** The Redis URL to test against, or undefined when the Redis tests skip (after saying why). */
export function redisUrlOrSkip(): Promise<string | undefined> {
  return usableRedis("Redis tests", process.env.REDIS_URL);
}

/** Whether `redis-server` can be started, for the fault tests, which run their own (false after saying why). */
export function redisServerOrSkip(): boolean {
  return checkBinary();
}

/** A key prefix no other run shares, so runs and parallel files never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `sealed-session-test:${label}:${process.pid}:${Date.now().toString(36)}:`;
}

async function usableRedis(what: string, url: string | undefined): Promise<string | undefined> {
  const reason = url ? await unreachable(url) : "REDIS_URL is not set";
  if (!reason) return url;
  if (process.env.CI) throw new Error(`${what} cannot run on CI: ${reason} (set REDIS_URL=redis://127.0.0.1:6379)`);
  console.log(`[store] skipping ${what}: ${reason}`);
  return undefined;
}

function checkBinary(): boolean {
  const found = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
  if (found) return true;
  if (process.env.CI) throw new Error("Redis fault tests cannot run on CI: redis-server is not installed");
  console.log("[store] skipping Redis fault tests: redis-server is not installed");
  return false;
}

/** Why `url` cannot be used, or undefined when it answers PING. */
function unreachable(url: string): Promise<string | undefined> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(`REDIS_URL (${url}) is not a URL`);
  }
  return new Promise((resolve) => {
    const socket = createConnection({ host: target.hostname || "127.0.0.1", port: Number(target.port || 6379) });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(1000, () => done(`Redis at ${url} did not answer within 1 s`));
    socket.on("error", (error) => done(`Redis at ${url} is unreachable (${error.message})`));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => {
      const reply = data.toString();
      // NOAUTH still proves a Redis is there; the URL carries the password for the real client.
      done(
        reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")
          ? undefined
          : `Redis at ${url} answered ${reply.trim()}`,
      );
    });
  });
}
