import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const runtimesDir = `${root}.runtimes`;

/** The runtimes of scripts/runtimes.sh, when installed. */
export const runtimes = {
  bun: `${runtimesDir}/node_modules/bun/bin/bun`,
  deno: `${runtimesDir}/node_modules/deno/deno`,
  node24: `${runtimesDir}/node_modules/node24/bin/node`,
  miniflare: `${runtimesDir}/node_modules/miniflare/package.json`,
};

/** Why a runtime test cannot run here, or undefined; in CI a missing runtime is an error. */
export function missing(...paths: string[]): string | undefined {
  const absent = paths.filter((path) => !existsSync(path));
  if (absent.length === 0) return undefined;
  const reason = `${absent.join(", ")} missing: run \`bash scripts/runtimes.sh node20\` to install the runtimes`;
  if (process.env.CI) throw new Error(reason);
  return reason;
}

export interface SpawnedServer {
  readonly base: string;
  stop(): Promise<void>;
}

/** Starts `command` and waits for it to print its port (`listening <port>`, or as `ready` captures it). */
export async function spawnServer(
  command: string,
  args: string[],
  ready: RegExp = /listening (\d+)/,
  timeoutMs = 60_000,
): Promise<SpawnedServer> {
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
  });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${output}`));
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
