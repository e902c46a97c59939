import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenUrl, type RunningDemo, startDemo } from "../../examples/demo/app.ts";
import { redisUrlOrSkip } from "../store/redis-env.ts";

const PASSWORD = "D3mo-http-9f3K2xQ7vR0bN5cL8zHmT4wAa";
const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

describe("the demo over HTTP", () => {
  let demo: RunningDemo;
  const lines: string[] = [];
  beforeAll(async () => {
    demo = await startDemo({ port: 0, host: "127.0.0.1", password: PASSWORD, log: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await demo?.close();
  });

  /** Signs in with a real form post and returns the session cookies. */
  async function signIn(): Promise<string> {
    const response = await fetch(`${demo.url}/sign-in`, {
      method: "POST",
      body: new URLSearchParams({ name: "Ada", role: "admin" }),
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    return response.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
  }

  it("says where it listens: the host it was given, and the port it got", () => {
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.url).not.toContain(":0");
    expect(lines.at(-1)).toBe(`sealed-session demo on ${demo.url}`);
  });

  it("answers 400, never 500, to a POST whose body is not a form", async () => {
    const cookie = await signIn();
    const bodies: [string, RequestInit][] = [
      ["JSON", { headers: { "content-type": "application/json" }, body: '{"name":"Ada"}' }],
      ["text", { headers: { "content-type": "text/plain" }, body: "name=Ada" }],
      ["no body", {}],
      ["multipart without a boundary", { headers: { "content-type": "multipart/form-data" }, body: "name=Ada" }],
      [
        "broken multipart",
        { headers: { "content-type": "multipart/form-data; boundary=xyz" }, body: "--xyz\r\nnot a part" },
      ],
    ];
    for (const path of ["/sign-in", "/counter", "/cart"]) {
      for (const [what, init] of bodies) {
        const headers = { ...(init.headers as Record<string, string>), cookie };
        const response = await fetch(`${demo.url}${path}`, { ...init, method: "POST", headers, redirect: "manual" });
        expect(response.status, `${path} with ${what}`).toBe(400);
        expect(response.headers.get("content-type")).toMatch(/^text\/html/);
        expect(await response.text()).toContain("expects a form");
      }
    }
  });

  it("still takes real forms, urlencoded and multipart", async () => {
    const cookie = await signIn();
    const multipart = new FormData();
    multipart.set("op", "inc");
    for (const body of [new URLSearchParams({ op: "inc" }), multipart]) {
      const response = await fetch(`${demo.url}/counter`, {
        method: "POST",
        headers: { cookie },
        body,
        redirect: "manual",
      });
      expect(response.status).toBe(303);
    }
  });
});

describe("the demo's listen URL", () => {
  it.each([
    [undefined, "127.0.0.1", "http://localhost:3000", undefined],
    ["localhost", "::1", "http://localhost:3000", undefined],
    ["127.0.0.1", "127.0.0.1", "http://127.0.0.1:3000", undefined],
    ["::1", "::1", "http://[::1]:3000", undefined],
    ["demo.test", "10.0.0.5", "http://demo.test:3000", undefined],
    ["0.0.0.0", "0.0.0.0", "http://localhost:3000", "0.0.0.0"],
    ["::", "::", "http://localhost:3000", "::"],
  ] as const)("--host %s bound to %s → %s", (host, address, url, everywhere) => {
    expect(listenUrl(host, { address, port: 3000 })).toEqual({ url, everywhere });
  });
});

describe("npm start (examples/demo/server.ts)", () => {
  const cleanEnv = { ...process.env, REDIS_URL: "", SESSION_SECRET: "", PORT: "" };
  async function server(args: string[], env: Record<string, string> = {}) {
    return run(process.execPath, ["--import", "tsx", "examples/demo/server.ts", ...args], {
      cwd: root,
      env: { ...cleanEnv, ...env },
      timeout: 15_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  }

  it("prints a usage line, not a stack trace, for an unknown option, and exits 1", async () => {
    const { code, stderr } = await server(["--bogus"]);
    expect(code).toBe(1);
    expect(stderr).toContain("Unknown option '--bogus'");
    expect(stderr).toMatch(/^Usage: npm start -- \[--port N\] \[--host H\] \[--store redis:\/\/…\]$/m);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("exits 3 with one line for a bad PORT or a short SESSION_SECRET", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: "abc" }, 'PORT must be a port number from 0 to 65535 (got "abc")'],
      [{ PORT: "70000" }, 'PORT must be a port number from 0 to 65535 (got "70000")'],
      [{ SESSION_SECRET: "too-short" }, "at least 32 characters"],
    ];
    for (const [env, message] of cases) {
      const { code, stderr } = await server([], env);
      expect(code, JSON.stringify(env)).toBe(3);
      expect(stderr).toMatch(/^The demo could not start: .*\n$/);
      expect(stderr).toContain(message);
    }
  });

  it("exits 1 for a bad --port", async () => {
    const { code, stderr } = await server(["--port", "x"]);
    expect(code).toBe(1);
    expect(stderr).toContain("--port must be a port number");
  });

  it("--store keeps sessions in Redis and offers 'Sign out everywhere'", async (context) => {
    const redisUrl = await redisUrlOrSkip();
    if (!redisUrl) return context.skip();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "examples/demo/server.ts", "--store", redisUrl, "--port", "0", "--host", "127.0.0.1"],
      { cwd: root, env: { ...cleanEnv, SESSION_SECRET: PASSWORD }, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (match) resolve(match[0]);
        });
        child.once("exit", (code) => reject(new Error(`demo exited with ${code}`)));
        setTimeout(() => reject(new Error(`no startup line: ${out}`)), 15_000);
      });
      const signedIn = await fetch(`${url}/sign-in`, {
        method: "POST",
        body: new URLSearchParams({ name: `Store-${process.pid}`, role: "member" }),
        redirect: "manual",
      });
      expect(signedIn.status).toBe(303);
      const cookie = signedIn.headers
        .getSetCookie()
        .map((line) => line.split(";")[0])
        .join("; ");
      const page = await (await fetch(url, { headers: { cookie } })).text();
      expect(page).toContain("Sign out everywhere");
      expect(page).toContain(`Store-${process.pid}`);
    } finally {
      child.kill();
    }
  });
});
