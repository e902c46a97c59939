import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { PASSWORD } from "./harness.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const built = new URL("../../dist/cli/main.js", import.meta.url);
const run = promisify(execFile);
// The demo must not pick up a developer's (or CI's) Redis or secret.
const cleanEnv = { ...process.env, REDIS_URL: "", SESSION_SECRET: "", PORT: "" };

describe("the sealed-session executable", () => {
  it("runs from source: --help, and a keygen | seal | unseal pipeline", async () => {
    const node = (args: string[], input?: string) => {
      const child = run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
        cwd: root,
        env: cleanEnv,
      });
      if (input !== undefined) child.child.stdin?.end(input);
      return child;
    };
    expect((await node(["--help"])).stdout).toContain("Usage: sealed-session <command>");
    const password = (await node(["keygen"])).stdout.trim();
    const token = (await node(["seal", "-", "--password", password], '{"user":"ada"}')).stdout.trim();
    const opened = await node(["unseal", "--json", "--password", password], token);
    expect(JSON.parse(opened.stdout)).toMatchObject({ ok: true, session: { data: { user: "ada" } } });
    const refused = await node(["unseal", token, "--password", PASSWORD]).catch((error: { code: number }) => error);
    expect(refused).toMatchObject({ code: 2 });
  });

  // `npm test` builds before running the tests; a bare `vitest run` may not have a dist/.
  it.runIf(existsSync(built) || process.env.CI)("runs as the built bin, with its shebang", async () => {
    expect(readFileSync(built, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    const { stdout } = await run(process.execPath, [fileURLToPath(built), "--help"], { env: cleanEnv });
    expect(stdout).toContain("Usage: sealed-session <command>");
  });
});

describe("serving the demo", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it.each([
    ["sealed-session demo", ["src/cli/main.ts", "demo", "--port", "0"]],
    ["npm start (examples/demo/server.ts)", ["examples/demo/server.ts", "--port", "0"]],
  ])("%s serves the page and says it made a development password", async (_, args) => {
    child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: root, env: cleanEnv });
    const lines = await readLines(child, 2);
    expect(lines[0]).toMatch(/^No SESSION_SECRET set: using a development password/);
    const url = /on (http:\/\/localhost:\d+)$/.exec(lines[1] ?? "")?.[1];
    expect(url).toBeDefined();
    const response = await fetch(url as string);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<h1>sealed-session <span>demo</span></h1>");
  });
});

/** The first `count` lines the child prints on stdout (fails with its stderr if it exits first). */
function readLines(child: ChildProcess, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const lines = out.split("\n");
      if (lines.length > count) resolve(lines.slice(0, count));
    });
    child.stderr?.on("data", (chunk) => {
      err += chunk;
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before printing ${count} lines: ${err}`)));
  });
}
