/**
 * `replicas` on a single Redis (a private master, then a replica of it):
 * a write counts only once a replica has it (WAIT); without one, the write
 * fails with ERR_STORE_UNAVAILABLE within its deadline.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSessionError, type RedisStore, redisStore } from "../../src/index.ts";
import { redisServerOrSkip } from "./redis-env.ts";
import { freePort, type PrivateRedis, startPrivateRedis, stopProcess } from "./redis-helpers.ts";

const canRun = redisServerOrSkip();
const record = (id: string) => ({ id, createdAt: 1, data: { a: 1 }, user: "ada" });

describe.skipIf(!canRun)("redisStore replicas (WAIT) on one Redis", () => {
  let dir: string;
  let master: PrivateRedis;
  let replica: ChildProcess | undefined;
  let store: RedisStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sealed-session-replicas-"));
    master = await startPrivateRedis(dir);
    store = redisStore({ url: master.url, prefix: "wait:", replicas: 1 });
  });
  afterAll(async () => {
    await store?.close();
    if (replica) await stopProcess(replica);
    await master?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("without a replica, a write fails with 503 by its deadline instead of counting as kept", async () => {
    const started = Date.now();
    const refused = store.create(record("alone"), 60, { deadline: started + 500 });
    await expect(refused).rejects.toSatisfy((e) => isSessionError(e, "ERR_STORE_UNAVAILABLE"));
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("with a replica, the write returns once the replica has it", async () => {
    const port = await freePort();
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir];
    replica = spawn("redis-server", [...args, "--replicaof", "127.0.0.1", String(master.port)], { stdio: "ignore" });
    const reader = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
    reader.on("error", () => {});
    const deadline = Date.now() + 15_000;
    while (!(await reader.info("replication").catch(() => "")).includes("master_link_status:up")) {
      if (Date.now() > deadline) throw new Error("the replica never synced");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await store.create(record("kept"), 60, { deadline: Date.now() + 2000 })).toBe(true);
    // Read on the replica right away: WAIT returned only after it had the write.
    expect(await reader.hget("wait:kept", ".a")).toBe("1");
    expect(await reader.zscore("wait:user:ada", "kept")).not.toBeNull();
    reader.disconnect();
  }, 30_000);
});
