import { SessionError } from "../errors.ts";
import { DEFAULT_STORE_TIMEOUT_MS } from "./call.ts";

/**
 * The part of an ioredis client the Redis store uses. An ioredis `Redis`
 * instance fits it as is; the type is structural so that the package's types
 * do not require ioredis to be installed.
 *
 * @example
 * import { Redis } from "ioredis";
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL!, { ...DEFAULT_REDIS_OPTIONS });
 */
export interface RedisClientLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** ioredis connection status (`"wait"`, `"connecting"`, `"ready"`, `"reconnecting"`, `"end"`…). */
  readonly status?: string;
  connect?(): Promise<void>;
  once?(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
  quit?(): Promise<unknown>;
  disconnect?(): void;
  /** True for an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** Commands sent together to one node (a Cluster sends them to the node of the first key). */
  pipeline?(): RedisPipelineLike;
}

/**
 * The part of an ioredis pipeline the Redis store uses (for `WAIT` on the
 * node that took a write).
 *
 * @example
 * const [[, exists], [, acked]] = (await client.pipeline().call("EXISTS", key).call("WAIT", 1, 500).exec())!;
 */
export interface RedisPipelineLike {
  call(command: string, ...args: (string | number)[]): RedisPipelineLike;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/**
 * A Redis Cluster node to start from, as ioredis takes it.
 *
 * @example
 * const nodes: RedisClusterNode[] = [{ host: "10.0.0.1", port: 6379 }, "redis://10.0.0.2:6379"];
 */
export type RedisClusterNode = string | number | { host?: string; port?: number };

/**
 * Options passed to `new Redis(url, options)`; see the ioredis documentation
 * for the full list. `redisStore({ url })` applies them over
 * {@link DEFAULT_REDIS_OPTIONS} and always connects lazily.
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL!, redisOptions: { commandTimeout: 500 } });
 */
export interface RedisConnectionOptions {
  enableOfflineQueue?: boolean;
  maxRetriesPerRequest?: number | null;
  commandTimeout?: number;
  connectTimeout?: number;
  autoResendUnfulfilledCommands?: boolean;
  lazyConnect?: boolean;
  [option: string]: unknown;
}

/**
 * The ioredis options `redisStore({ url })` uses, and the ones to give a client
 * you create yourself. A session store must fail fast, not queue: with the
 * defaults, ioredis holds commands while it reconnects and resends them
 * afterwards, so a request would hang through an outage and its write could
 * land long after the user was told it failed.
 * - `enableOfflineQueue: false`: while disconnected a command fails at once (503).
 * - `maxRetriesPerRequest: 0`, `autoResendUnfulfilledCommands: false`: commands
 *   in flight when the connection drops fail instead of being replayed later.
 * - `commandTimeout`, `connectTimeout`: a frozen server (no answer, socket open) fails too.
 *
 * @example
 * import { Redis } from "ioredis";
 * const client = new Redis(process.env.REDIS_URL!, { ...DEFAULT_REDIS_OPTIONS });
 * const store = redisStore({ client });
 */
export const DEFAULT_REDIS_OPTIONS: Readonly<RedisConnectionOptions> = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: DEFAULT_STORE_TIMEOUT_MS,
  connectTimeout: DEFAULT_STORE_TIMEOUT_MS,
});

const IOREDIS = "ioredis";

/** ioredis, imported by a variable name: bundlers must not pull the optional peer into apps that never use it. */
function importIoredis(): Promise<typeof import("ioredis")> {
  return import(/* @vite-ignore */ IOREDIS);
}

/** Creates an ioredis client for `url`, importing ioredis only now (it is an optional peer dependency). */
export async function createRedisClient(url: string, options: RedisConnectionOptions): Promise<RedisClientLike> {
  let Redis: typeof import("ioredis").Redis;
  try {
    const module = await importIoredis();
    Redis = module.Redis ?? module.default;
  } catch (error) {
    throw new SessionError(
      "ERR_CONFIG",
      "sealed-session: redisStore({ url }) needs the ioredis package: npm install ioredis",
      {
        cause: error,
      },
    );
  }
  const client = new Redis(url, { ...DEFAULT_REDIS_OPTIONS, ...options, lazyConnect: true });
  // Failures reach callers through the commands that fail; without a listener
  // ioredis would also print every reconnect attempt as an unhandled error.
  client.on("error", () => {});
  return client;
}

/**
 * Creates an ioredis `Cluster` for `nodes`, importing ioredis only now: every
 * node connection gets {@link DEFAULT_REDIS_OPTIONS} (then `options`), and the
 * cluster itself queues nothing while it is not ready.
 */
export async function createRedisCluster(
  nodes: readonly RedisClusterNode[],
  options: RedisConnectionOptions,
  clusterOptions: Record<string, unknown>,
): Promise<RedisClientLike> {
  let Cluster: typeof import("ioredis").Cluster;
  try {
    Cluster = (await importIoredis()).Cluster;
  } catch (error) {
    throw new SessionError(
      "ERR_CONFIG",
      "sealed-session: redisStore({ cluster }) needs the ioredis package: npm install ioredis",
      {
        cause: error,
      },
    );
  }
  const cluster = new Cluster([...nodes] as ConstructorParameters<typeof Cluster>[0], {
    enableOfflineQueue: false,
    ...clusterOptions,
    lazyConnect: true,
    redisOptions: { ...DEFAULT_REDIS_OPTIONS, ...options },
  });
  cluster.on("error", () => {});
  return cluster as unknown as RedisClientLike;
}

/** Statuses of an ioredis client whose connection attempt is still under way. */
const CONNECTING = new Set(["wait", "connecting", "connect"]);
/** Statuses of an ioredis client that is not connected and not trying right now. */
const DOWN = new Set(["reconnecting", "close", "end"]);

/**
 * Waits for a client that is making its first connection (a lazy one is
 * connected here). It settles either way: on `ready`; with
 * `ERR_STORE_UNAVAILABLE` on `error`, `close` or `end`, at once when the
 * client is already down (reconnecting, closed or ended), and after
 * `timeoutMs` when the attempt hangs (a frozen server). The caller decides
 * whether to wait again; after a first `ready` nothing should, so that during
 * a later outage commands fail fast instead of queueing.
 */
export function firstReady(client: RedisClientLike, timeoutMs: number = DEFAULT_STORE_TIMEOUT_MS): Promise<void> {
  const status = client.status;
  if (status === undefined || status === "ready") return Promise.resolve();
  if (DOWN.has(status)) return Promise.reject(unavailable(`the Redis client is ${status}`));
  if (!CONNECTING.has(status)) return Promise.resolve(); // not an ioredis status we know: let the command decide
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const listeners: [string, (...args: unknown[]) => void][] = [];
    const settle = (error?: SessionError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const [event, listener] of listeners) client.removeListener?.(event, listener);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => settle(unavailable(`the Redis client was not ready within ${timeoutMs} ms (status ${client.status})`)),
      timeoutMs,
    );
    const on = (event: string, listener: (...args: unknown[]) => void) => {
      listeners.push([event, listener]);
      client.once?.(event, listener);
    };
    if (client.once) {
      on("ready", () => settle());
      on("error", (error) => settle(unavailable("the Redis client failed to connect", error)));
      on("close", () => settle(unavailable("the Redis connection closed before it was ready")));
      on("end", () => settle(unavailable("the Redis client ended before it was ready")));
    }
    if (status === "wait" && client.connect) {
      // With events, they report the outcome (connect() also rejects when another caller is already connecting).
      client.connect().then(
        () => settle(),
        (error: unknown) => {
          if (!client.once) settle(unavailable("the Redis client failed to connect", error));
        },
      );
    } else if (!client.once) {
      settle(); // nothing to wait on: let the command decide
    }
  });
}

function unavailable(message: string, cause?: unknown): SessionError {
  return new SessionError("ERR_STORE_UNAVAILABLE", `session store: ${message}`, cause === undefined ? {} : { cause });
}

/** A Lua script run by hash, sent in full only when the server does not know it yet. */
export interface RedisScript {
  readonly source: string;
  /** SHA-1 of the source, computed on first use (WebCrypto: this module stays free of `node:` imports). */
  sha?: Promise<string>;
}

export function defineScript(source: string): RedisScript {
  return { source };
}

export async function runScript(
  client: RedisClientLike,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  script.sha ??= sha1Hex(script.source);
  try {
    return await client.call("EVALSHA", await script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    // NOSCRIPT is the error code Redis gives (first word of the reply) after a restart or SCRIPT FLUSH.
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.call("EVAL", script.source, keys.length, ...keys, ...args);
  }
}

/**
 * WAITs, on the node that took the write of `key`, until `replicas` replicas
 * have it; fails with `ERR_STORE_UNAVAILABLE` when fewer acknowledge it before
 * the deadline.
 */
export async function waitForReplicas(
  client: RedisClientLike,
  key: string,
  replicas: number,
  deadline: number,
): Promise<void> {
  const timeout = Math.max(1, Math.floor(deadline - Date.now()));
  let acknowledged: unknown;
  if (client.isCluster && client.pipeline) {
    // A keyless WAIT would go to any node: the pipeline sends it to the key's node, on the connection that wrote.
    const replies = await client.pipeline().call("EXISTS", key).call("WAIT", replicas, timeout).exec();
    const [error, value] = replies?.[1] ?? [new Error("no reply to WAIT"), 0];
    if (error) throw error;
    acknowledged = value;
  } else {
    acknowledged = await client.call("WAIT", replicas, timeout);
  }
  if (Number(acknowledged) < replicas) {
    throw unavailable(`${Number(acknowledged)} of ${replicas} replicas acknowledged the write in time`);
  }
}

/** Closes a client: politely when connected, at once otherwise (quit would wait for a server that is gone). */
export async function closeClient(client: RedisClientLike): Promise<void> {
  if (client.status === "ready" && client.quit) {
    await client.quit().catch(() => client.disconnect?.());
  } else {
    client.disconnect?.();
  }
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
