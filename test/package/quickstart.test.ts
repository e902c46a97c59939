import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../helpers/cookie-jar.ts";

/**
 * Every README quick start, as a user meets it: the packed tarball installed in
 * a fresh project with the framework from npm, the example copied verbatim,
 * started with PORT set, then asked twice for its counter. Needs the npm
 * registry; skips without it (or without dist/) unless CI is set.
 */
interface QuickStart {
  /** The example, as the README embeds it. */
  readonly file: string;
  /** What the example needs from npm besides sealed-session (installed once, for all). */
  readonly packages: readonly string[];
  /** How to start it: a command line, or why it cannot run here. */
  readonly run?: (context: { file: string; port: number }) => string[] | { skip: string };
}

const root = fileURLToPath(new URL("../..", import.meta.url));
const deno = join(root, ".runtimes/node_modules/deno/deno");
const bun = join(root, ".runtimes/node_modules/bun/bin/bun");

/** Node 20 has no type stripping: tsx runs the .ts file, as the README says. */
const tsx = ({ file }: { file: string }) => ["node_modules/.bin/tsx", file];

// One entry per quick start; other adapters add theirs (file, packages, runner).
const quickStarts: QuickStart[] = [
  { file: "examples/node-http.ts", packages: [] },
  { file: "examples/express.ts", packages: ["express@5"] },
  { file: "examples/koa.ts", packages: ["koa@3"] },
  { file: "examples/fastify.ts", packages: ["fastify@5"] },
  { file: "examples/hono.ts", packages: ["hono@4", "@hono/node-server"] },
  {
    file: "examples/elysia.ts",
    packages: ["elysia@1"],
    run: ({ file }) =>
      existsSync(bun) ? [bun, file] : { skip: "Bun is not in .runtimes/ (npm run test:runtimes installs it)" },
  },
  {
    file: "examples/fetch.ts",
    packages: [],
    run: ({ file, port }) =>
      existsSync(deno)
        ? [deno, "serve", "--allow-env=SESSION_SECRET,PORT", "--host", "127.0.0.1", "--port", String(port), file]
        : { skip: "Deno is not in .runtimes/ (npm run test:runtimes installs it)" },
  },
];

/** Installed with every project: the runner, and what type-checks the examples as a user's editor would. */
const tooling = ["tsx", "typescript", "@types/node@20", "@types/express@5", "@types/koa@3"];

const run = promisify(execFile);
const built = existsSync(join(root, "dist/index.js"));
let project = "";
let setupFailure: string | undefined = built ? undefined : "dist/ is missing (npm run build)";
const children: ChildProcess[] = [];

function unavailable(reason: string): { skip: string } {
  if (process.env.CI) throw new Error(`the quick-start test cannot run on CI: ${reason}`);
  return { skip: reason };
}

beforeAll(async () => {
  if (setupFailure) return;
  project = mkdtempSync(join(tmpdir(), "sealed-session-quickstart-"));
  try {
    await run("npm", ["pack", "--pack-destination", project, "--ignore-scripts", "--silent"], { cwd: root });
    const tarball = readdirSync(project).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack wrote no tarball");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "quickstart", private: true, type: "module" }));
    const packages = [...new Set(quickStarts.flatMap((q) => q.packages))];
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error", `./${tarball}`, ...packages, ...tooling],
      {
        cwd: project,
        timeout: 240_000,
      },
    );
    mkdirSync(join(project, "examples"));
    for (const { file } of quickStarts) copyFileSync(join(root, file), join(project, "examples", basename(file)));
  } catch (error) {
    setupFailure = `npm pack / npm install failed: ${(error as Error).message.split("\n")[0]}`;
  }
}, 300_000);

afterAll(() => {
  for (const child of children) if (child.pid && child.exitCode === null) process.kill(-child.pid);
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("quick starts from the packed tarball", () => {
  it("type-checks in a fresh project (strict, the package's own declarations)", async (context) => {
    if (setupFailure) return context.skip(unavailable(setupFailure).skip);
    const options = { module: "nodenext", target: "es2022", strict: true, noEmit: true, skipLibCheck: true };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: options, include: ["examples"] }));
    expect(await typeErrors(".")).toBe("");
    // Declared data types reach req.session and ctx.session (a program of their own:
    // a declaration is global to its program).
    mkdirSync(join(project, "typed"), { recursive: true });
    writeFileSync(join(project, "typed", "augment.ts"), AUGMENTED);
    writeFileSync(join(project, "typed", "tsconfig.json"), JSON.stringify({ compilerOptions: options }));
    expect(await typeErrors("typed")).toBe("");
  });

  it.for(quickStarts)("$file serves a counter", { timeout: 60_000 }, async (quickStart, context) => {
    if (setupFailure) return context.skip(unavailable(setupFailure).skip);
    const port = await freePort();
    const file = join("examples", basename(quickStart.file));
    const command = (quickStart.run ?? tsx)({ file, port });
    if (!Array.isArray(command)) return context.skip(unavailable(command.skip).skip);
    const [program = "", ...args] = command;
    let output = "";
    const child = spawn(program, args, {
      cwd: project,
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        SESSION_SECRET: "Qs4!mP9-lW2xQ7vR0bN5cK8zH3sD6gJ1tY",
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PROMPT: "1",
        NO_COLOR: "1",
      },
    });
    children.push(child);
    for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += chunk));
    const url = `http://127.0.0.1:${port}/`;
    await expect
      .poll(
        () => {
          if (child.exitCode !== null) throw new Error(`${quickStart.file} exited: ${output}`);
          return fetch(url, { method: "HEAD" }).then(
            () => true,
            () => false,
          );
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
    const jar = new CookieJar();
    const visits: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(url, jar.init());
      jar.store(response);
      visits.push(await response.json());
    }
    expect(visits, output).toEqual([{ visits: 1 }, { visits: 2 }]);
  });
});

const AUGMENTED = `import express from "express";
import Koa from "koa";
import { session as expressSession } from "sealed-session/express";
import { session as koaSession } from "sealed-session/koa";

declare module "sealed-session/express" {
  interface SessionData { visits?: number }
}
declare module "sealed-session/koa" {
  interface SessionData { user?: string }
}

const config = { password: "x".repeat(32) };
express().use(expressSession(config)).get("/", (req, res) => {
  const visits: number | undefined = req.session.data.visits;
  // @ts-expect-error visits is declared as a number
  void req.session.update({ visits: "many" });
  res.json({ visits });
});
new Koa().use(koaSession(config)).use((ctx) => {
  const user: string | undefined = ctx.session.data.user;
  // @ts-expect-error user is declared as a string
  void ctx.session.update({ user: 1 });
  ctx.body = { user };
});
`;

/** What tsc reports for the project in `dir` (empty when it compiles). */
async function typeErrors(dir: string): Promise<string> {
  try {
    await run(join(project, "node_modules/.bin/tsc"), ["-p", dir], { cwd: project });
    return "";
  } catch (error) {
    return (error as { stdout?: string }).stdout || String(error);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
