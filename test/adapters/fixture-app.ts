import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * Framework apps as users get them: this package packed into a tarball
 * (`npm pack` of a fresh build), installed into a temporary copy of a fixture
 * app, built and served by the framework's own commands.
 */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = join(ROOT, "test/adapters/fixtures");
const run = promisify(execFile);

/** Builds the package into a staging folder (a new one by default) and packs it; returns the tarball's path. */
export async function packPackage(staging = mkdtempSync(join(tmpdir(), "sealed-session-pack-"))): Promise<string> {
  await run(
    process.execPath,
    [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", join(staging, "dist")],
    { cwd: ROOT },
  );
  for (const file of ["package.json", "README.md", "LICENSE"]) cpSync(join(ROOT, file), join(staging, file));
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", staging], {
    cwd: staging,
  });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return join(staging, filename);
}

/** A temporary copy of `test/adapters/fixtures/<name>` (no node_modules or build output), with extra files laid over it. */
export function copyFixture(name: string, overlays: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `sealed-session-${name}-`));
  const source = join(FIXTURES, name);
  for (const entry of readdirSync(source)) {
    if (entry === "node_modules" || entry.startsWith(".") || entry === "build") continue;
    cpSync(join(source, entry), join(dir, entry), { recursive: true });
  }
  for (const [from, to] of Object.entries(overlays)) {
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    cpSync(join(ROOT, from), join(dir, to), { recursive: true });
  }
  return dir;
}

/** Runs a command in the app folder; its output is kept for the error if it fails. */
export async function sh(dir: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: dir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${dir}:\n${stdout}\n${stderr}`.slice(-8000));
  }
}

/** Installs the fixture's locked dependencies plus the packed tarball. */
export async function installWith(dir: string, tarball: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  await sh(dir, "npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball], env);
}

export interface RunningApp {
  readonly url: string;
  readonly output: () => string;
  close(): Promise<void>;
}

/** Starts a server on a free port of 127.0.0.1 and waits until it answers HTTP. */
export async function serve(
  dir: string,
  command: string,
  args: (port: number) => string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(command, args(port), {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const app: RunningApp = { url, output: () => output, close: () => stop(child) };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(url, { redirect: "manual" });
      return app;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  await app.close();
  throw new Error(`${command} did not answer on ${url} within 60 s:\n${output}`);
}

/** Stops the server's whole process group (the framework's CLI may fork). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Removes a temporary app folder. */
export function removeDir(dir: string | undefined): void {
  if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
