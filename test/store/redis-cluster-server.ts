/** A Redis Cluster of the test's own: 3 masters and 3 replicas on free ports of 127.0.0.1. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort, stopProcess } from "./redis-helpers.ts";

export interface ClusterNodeProcess {
  readonly port: number;
  readonly process: ChildProcess;
}

export interface PrivateCluster {
  readonly nodes: ClusterNodeProcess[];
  /** Ports of the nodes that are masters now. */
  masters(): Promise<number[]>;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

/**
 * Starts six `redis-server --cluster-enabled yes` (no persistence, a 1 s node
 * timeout so that a failover takes about two seconds) and joins them with
 * `redis-cli --cluster create … --cluster-replicas 1`.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-cluster-"));
  const nodes: ClusterNodeProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => stopProcess(node.process)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) nodes.push(await startNode(dir));
    const create = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "1", "--cluster-yes"],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const node of nodes) await until(() => clusterOk(node.port), `node ${node.port} never saw the cluster ok`);
    // Replicas first copy their master in full; WAIT would time out until they have.
    for (const node of nodes) await until(() => replicating(node.port), `node ${node.port} never finished its sync`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    async masters() {
      const ports: number[] = [];
      for (const node of nodes) {
        if (node.process.exitCode !== null || node.process.signalCode !== null) continue;
        if ((await info(node.port, "replication")).includes("role:master")) ports.push(node.port);
      }
      return ports;
    },
    stop,
  };
}

/**
 * One cluster node on free ports. The bus port is given (`cluster-port`, Redis 7):
 * by default it is the port + 10,000, which may be taken, or past 65,535 for an
 * ephemeral port above 55,535. A port taken between the probe and the spawn
 * makes the process exit: then it is tried again on other ports.
 */
async function startNode(dir: string): Promise<ClusterNodeProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const busPort = await freePort();
    if (busPort === port) continue;
    const args = [
      "--port",
      String(port),
      "--cluster-port",
      String(busPort),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      `nodes-${port}.conf`,
      "--cluster-node-timeout",
      "1000",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ];
    const child = spawn("redis-server", args, { stdio: "ignore" });
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await until(async () => exited() || (await answers(port)), `node ${port} did not start`).catch((error) => {
      child.kill("SIGKILL");
      throw error;
    });
    if (!exited()) return { port, process: child };
    if (attempt === 3) throw new Error(`redis-server exited three times at start (last ports ${port}, ${busPort})`);
  }
}

async function until(check: () => Promise<boolean>, message: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function info(port: number, section: string): Promise<string> {
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return section === "cluster" ? String(await client.call("CLUSTER", "INFO")) : await client.info(section);
  } catch {
    return "";
  } finally {
    client.disconnect();
  }
}

const answers = async (port: number) => (await info(port, "server")).includes("redis_version");
const replicating = async (port: number) => {
  const replication = await info(port, "replication");
  return replication.includes("role:master")
    ? replication.includes("connected_slaves:1")
    : replication.includes("master_link_status:up");
};
const clusterOk = async (port: number) => (await info(port, "cluster")).includes("cluster_state:ok");

/** Keys under `prefix` on the node at `port` (SCAN). */
export async function keysOn(port: number, prefix: string): Promise<string[]> {
  const client = new Redis({ port, host: "127.0.0.1" });
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  client.disconnect();
  return keys;
}
