import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { CookieJar } from "../helpers/cookie-jar.ts";
import { sharedTarball } from "./app-cache.ts";

/**
 * Framework apps built and served the way users deploy them: a temp copy of a
 * fixture, `npm install` of the framework from npm plus this package's packed
 * tarball, the framework's build, then its output server on a free port.
 */
const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const NODE22 = join(ROOT, ".runtimes/node_modules/node22/bin/node");
export const PASSWORD = "Fr4mew0rk-apps-7Kq2xW9vR3bN5cL8zHmT";

/** Why these tests cannot run here, or undefined when they can (CI turns a reason into a failure). */
export async function missingPrerequisite(needs: { node22?: boolean } = {}): Promise<string | undefined> {
  if (!existsSync(join(ROOT, "dist/index.js"))) return "dist/ is missing (npm run build)";
  if (needs.node22 && !existsSync(NODE22)) return "Node 22 is missing (bash scripts/runtimes.sh node22)";
  try {
    await run("npm", ["ping"], { timeout: 15_000 });
  } catch {
    return "the npm registry is unreachable";
  }
  return undefined;
}

/** The package packed once per vitest run (app-cache.ts), shared by every app of the run. */
export async function packedTarball(): Promise<string> {
  return (await sharedTarball()).file;
}

/** A temp app: the fixture's files, then `files` (path → contents or a file to copy) over them. */
export function createApp(fixture: string | undefined, files: Record<string, string | URL>): string {
  const dir = mkdtempSync(join(tmpdir(), "sealed-session-app-"));
  if (fixture) cpSync(fileURLToPath(new URL(`./fixtures/${fixture}/`, import.meta.url)), dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(join(target, ".."), { recursive: true });
    if (content instanceof URL) cpSync(fileURLToPath(content), target);
    else writeFileSync(target, content);
  }
  return dir;
}

/** Runs a command in the app; its output is kept for the error when it fails. */
export async function inApp(
  dir: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
  timeout = 240_000,
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd: dir,
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: "false", ...env },
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${dir}:\n${stdout ?? ""}\n${stderr ?? ""}`.slice(-6000));
  }
}

/** `npm install` as a user would, with the given dependencies. */
export async function npmInstall(dir: string, args: string[] = []): Promise<void> {
  await inApp(dir, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...args]);
}

export interface AppResponse {
  readonly status: number;
  readonly body: string;
  /** The response's Set-Cookie lines (already applied to the jar). */
  readonly lines: string[];
}

export interface RunningApp {
  /** The app's origin as a browser sees it (`http://localhost:<port>`). */
  readonly url: string;
  readonly output: () => string;
  /** A request as a browser would send it: the jar's cookies, our Origin; the answer's cookies go to the jar. */
  fetch(path: string, jar: CookieJar, init?: RequestInit): Promise<AppResponse>;
  /** A form POST (urlencoded), as a browser without JavaScript sends it. */
  post(path: string, jar: CookieJar, form: Record<string, string>): Promise<AppResponse>;
  close(): Promise<void>;
}

/** Starts a built server on `port` (from {@link freePort}) and waits until it answers. */
export async function serve(
  dir: string,
  port: number,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunningApp> {
  const url = `http://localhost:${port}`;
  const child: ChildProcess = spawn(command, args, {
    cwd: dir,
    env: { ...process.env, NODE_ENV: "production", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const request = async (path: string, jar: CookieJar, init: RequestInit = {}): Promise<AppResponse> => {
    const headers = new Headers(init.headers);
    headers.set("origin", url);
    if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      ...jar.init({ ...init, headers }),
      redirect: "manual",
    });
    const lines = jar.store(response);
    return { status: response.status, body: await response.text(), lines };
  };
  const app: RunningApp = {
    url,
    output: () => output,
    fetch: request,
    post: (path, jar, form) =>
      request(path, jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
      }),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      return app;
    } catch {
      if (Date.now() > deadline) {
        await app.close();
        throw new Error(`the server did not answer within 30 s:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export function removeApp(dir: string | undefined): void {
  if (dir && !process.env.KEEP_FIXTURE_APPS) rmSync(dir, { recursive: true, force: true });
}

/** A port free right now: some servers (and SvelteKit's origin) must know theirs before they start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
