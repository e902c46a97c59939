/** A PostgreSQL server of a test's own: initdb in a temporary directory, pg_ctl on a free port. */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis-helpers.ts";

export interface PrivatePostgres {
  readonly port: number;
  readonly url: string;
  /** Freezes (SIGSTOP) the postmaster and every backend: a hung server with its sockets open. */
  freeze(): void;
  /** Continues a frozen server (SIGCONT). */
  thaw(): void;
  /** `pg_ctl stop -m immediate`: the server dies as in a crash (committed data survives in the WAL). */
  crash(): void;
  /** Starts it again on the same port and data directory. */
  start(): void;
  /** Stops it (fast) and removes its directory. */
  destroy(): void;
}

/**
 * initdb refuses to run as root, so as root every server command runs as the
 * `postgres` user (runuser), in a directory it owns.
 */
export function startPrivatePostgres(bin: string, port: number): PrivatePostgres {
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-pg-"));
  const data = join(dir, "data");
  mkdirSync(data);
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const command = root ? "runuser" : join(bin, tool);
    const argv = root ? ["-u", "postgres", "--", join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: "utf8", cwd: dir });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
  };
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=40`;
  const start = () => run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "30", "start"]);
  start();
  /** The postmaster and its children (backends, background workers). */
  const pids = (): number[] => {
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)], { encoding: "utf8" });
    return [postmaster, ...children.split("\n").filter(Boolean).map(Number)];
  };
  const signal = (name: NodeJS.Signals) => {
    for (const pid of pids()) {
      try {
        process.kill(pid, name);
      } catch {
        // A backend that exited meanwhile.
      }
    }
  };
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    freeze: () => signal("SIGSTOP"),
    thaw: () => signal("SIGCONT"),
    crash: () => run("pg_ctl", ["-D", data, "-m", "immediate", "stop"]),
    start,
    destroy() {
      try {
        signal("SIGCONT");
        run("pg_ctl", ["-D", data, "-m", "fast", "stop"]);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { freePort };
