// HTTP benchmark: this library against plain node:http and its peers.
//
//   npm run bench:http
//
// Every server runs in its own child process on a free port of 127.0.0.1;
// autocannon runs here, so load generator and server never share an event loop.
// Scenarios: `read` presents a valid session cookie and reads the data;
// `write` presents it and increments a counter (a fresh seal per response).
// Each autocannon connection is one visitor with a session of its own (a
// cookie obtained before the runs), as on a site: many sessions, each written
// by one browser at a time. BENCH_SESSIONS=shared gives all connections one
// cookie instead, which with a server-side store makes every write hit the
// same record (one row lock, one key): a contention test, not a traffic shape.
// Every server gets the same treatment either way.
// Ratios are to the plain server's mean over all its runs (it answers both
// routes the same way). "CPU/req" is the server process's CPU time per request.
//
// Environment:
//   BENCH_DURATION     seconds per (server, scenario, round)   default 5
//   BENCH_ROUNDS       rounds, alternating server order         default 2
//   BENCH_WARMUP       seconds of unmeasured load per pair       default 1
//   BENCH_CONNECTIONS  autocannon connections                   default 10
//   BENCH_ONLY         comma-separated server ids (plain is always run)
//   BENCH_SCENARIOS    "read", "write" or both                 default both
//   BENCH_SESSIONS     "per-connection" or "shared"            default per-connection
//   BENCH_PROFILE      a server id to run with --cpu-prof (profiles in bench/results/profiles)
//   BENCH_OUT          where to write the JSON                 default bench/results/http.json
//   REDIS_URL, POSTGRES_URL  the stores' servers (rows skip when they do not answer)
//   REDIS_CLUSTER_NODES      host:port,… of a Redis Cluster for the cluster row (skipped without)
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const here = dirname(fileURLToPath(import.meta.url));

/** One server under test. Adding a row to the table is adding an entry here. */
interface ServerEntry {
  readonly id: string;
  readonly label: string;
  /** File under bench/servers/. */
  readonly file: string;
  readonly env?: Record<string, string>;
  /** A reason to skip this server on this machine, or undefined to run it. */
  readonly skip?: () => Promise<string | undefined>;
  /** For an adapter: the id of its framework's own session library, to print the ratio to it. */
  readonly peer?: string;
}

const BASELINE = "node-http";

const SERVERS: readonly ServerEntry[] = [
  { id: BASELINE, label: "node:http (no session)", file: "node-plain.ts" },
  { id: "sealed-session", label: "sealed-session (defaults)", file: "sealed-session.ts" },
  { id: "h3-v1", label: "h3@1 useSession", file: "h3-v1.ts" },
  { id: "h3-v2", label: "h3@2 useSession (defaults)", file: "h3-v2.ts" },
  { id: "iron-session", label: "iron-session", file: "iron-session.ts" },
  { id: "express-session", label: "express-session (MemoryStore)", file: "express-session.ts" },
  { id: "express-adapter", label: "sealed-session/express", file: "express-adapter.ts", peer: "express-session" },
  {
    // Like for like with express-session's MemoryStore: sessions kept in memory, no new cookie on a write.
    id: "express-adapter-memory",
    label: "sealed-session/express (memoryStore)",
    file: "express-adapter.ts",
    env: { BENCH_STORE: "memory" },
    peer: "express-session",
  },
  { id: "koa-session", label: "koa-session (signed cookie)", file: "koa-session.ts" },
  { id: "koa-adapter", label: "sealed-session/koa", file: "koa-adapter.ts", peer: "koa-session" },
  { id: "fastify-secure-session", label: "Fastify + @fastify/secure-session", file: "fastify-secure-session.ts" },
  {
    id: "fastify-sealed",
    label: "Fastify + sealed-session/fastify",
    file: "fastify-sealed.ts",
    peer: "fastify-secure-session",
  },
  { id: "hono-sessions", label: "Hono + hono-sessions (CookieStore)", file: "hono-sessions.ts" },
  { id: "hono-sealed", label: "Hono + sealed-session/hono", file: "hono-sealed.ts", peer: "hono-sessions" },
  // Server-side stores: the cookie carries a reference, the data lives in Redis.
  {
    id: "sealed-session-redis",
    label: "sealed-session + redisStore",
    file: "sealed-session.ts",
    env: { BENCH_STORE: "redis" },
    skip: redisMissing,
  },
  {
    id: "express-session-redis",
    label: "express-session + connect-redis",
    file: "express-session.ts",
    env: { BENCH_STORE: "redis" },
    skip: redisMissing,
  },
  // redisStore on a Redis Cluster (REDIS_CLUSTER_NODES=host:port,…), beside single Redis above.
  {
    id: "sealed-session-redis-cluster",
    label: "sealed-session + redisStore (cluster)",
    file: "sealed-session.ts",
    env: { BENCH_STORE: "redis-cluster" },
    skip: async () => (process.env.REDIS_CLUSTER_NODES ? undefined : "REDIS_CLUSTER_NODES is not set"),
  },
  // The same on PostgreSQL, both in one database.
  {
    id: "sealed-session-postgres",
    label: "sealed-session + postgresStore",
    file: "sealed-session.ts",
    env: { BENCH_STORE: "postgres" },
    skip: postgresMissing,
  },
  {
    id: "express-session-postgres",
    label: "express-session + connect-pg-simple",
    file: "express-session.ts",
    env: { BENCH_STORE: "postgres" },
    skip: postgresMissing,
  },
];

const ALL_SCENARIOS = ["read", "write"] as const;
type Scenario = (typeof ALL_SCENARIOS)[number];

/** This library's targets, as ratios to plain node:http (issue 14: a cached read 0.7×, a write 0.4×). */
const TARGETS: Record<Scenario, number> = { read: 0.7, write: 0.4 };
/** Each adapter's targets, as ratios to its framework's own session library (some peers sign without encrypting). */
const PEER_TARGETS: Record<Scenario, number> = { read: 1, write: 0.8 };

const DURATION = numberEnv("BENCH_DURATION", 5);
const ROUNDS = Math.max(1, Math.round(numberEnv("BENCH_ROUNDS", 2)));
const WARMUP = numberEnv("BENCH_WARMUP", 1);
const CONNECTIONS = Math.max(1, Math.round(numberEnv("BENCH_CONNECTIONS", 10)));
const ONLY = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const SCENARIOS = ALL_SCENARIOS.filter((s) => !process.env.BENCH_SCENARIOS || process.env.BENCH_SCENARIOS.includes(s));
const SHARED_SESSION = process.env.BENCH_SESSIONS === "shared";
if (process.env.BENCH_SESSIONS && !["shared", "per-connection"].includes(process.env.BENCH_SESSIONS))
  throw new Error(`BENCH_SESSIONS must be "per-connection" or "shared", not ${process.env.BENCH_SESSIONS}`);
const PROFILE = process.env.BENCH_PROFILE;
const OUT = process.env.BENCH_OUT ?? join(here, "results", "http.json");

interface Running {
  readonly entry: ServerEntry;
  readonly child: ChildProcess;
  readonly url: string;
  /** `Cookie` headers, one per connection (or one for all with BENCH_SESSIONS=shared). */
  cookies: string[];
  /** Whether a write answered with a Set-Cookie (express-session only touches its store). */
  writeSetsCookie: boolean;
  /** Whether a read answered with a Set-Cookie (it should not). */
  readSetsCookie: boolean;
}

interface Sample {
  readonly reqPerSec: number;
  readonly p99: number;
  /** Server CPU time (user + system) per completed request, in microseconds. */
  readonly cpuPerReq: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function main(): Promise<void> {
  const selected = SERVERS.filter((s) => s.id === BASELINE || !ONLY || ONLY.includes(s.id));
  const skipped: { id: string; reason: string }[] = [];
  const active: ServerEntry[] = [];
  for (const entry of selected) {
    const reason = await entry.skip?.();
    if (reason) skipped.push({ id: entry.id, reason });
    else active.push(entry);
  }
  const cpu = cpus();
  log(
    `node ${process.version}, ${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length}; ` +
      `${CONNECTIONS} connections, ${SHARED_SESSION ? "one shared session" : "a session per connection"}, ` +
      `${DURATION} s × ${ROUNDS} rounds (+${WARMUP} s warm-up)`,
  );
  for (const s of skipped) log(`skipping ${s.id}: ${s.reason}`);

  const servers: Running[] = [];
  try {
    const started = await Promise.allSettled(active.map(start));
    for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    for (const server of servers) await prepare(server);
    if (WARMUP > 0) {
      for (const server of servers) for (const scenario of SCENARIOS) await load(server, scenario, WARMUP);
    }
    const samples = new Map<string, Sample[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        for (const scenario of SCENARIOS) {
          const sample = await load(server, scenario, DURATION);
          const key = `${server.entry.id}/${scenario}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          log(
            `round ${round + 1}/${ROUNDS} ${server.entry.id.padEnd(16)} ${scenario.padEnd(5)} ` +
              `${Math.round(sample.reqPerSec)} req/s, p99 ${sample.p99} ms, ${sample.cpuPerReq.toFixed(1)} µs CPU/req`,
          );
        }
      }
    }
    report(servers, samples, skipped);
  } finally {
    await Promise.all(servers.map(stop));
  }
}

function report(servers: Running[], samples: Map<string, Sample[]>, skipped: { id: string; reason: string }[]): void {
  const summary = (id: string, scenario: Scenario) => {
    const list = samples.get(`${id}/${scenario}`) ?? [];
    return {
      reqPerSec: round(mean(list.map((s) => s.reqPerSec))),
      p99: round(mean(list.map((s) => s.p99))),
      cpuPerReq: round(mean(list.map((s) => s.cpuPerReq))),
      rounds: list.map((s) => Math.round(s.reqPerSec)),
      non2xx: list.reduce((n, s) => n + s.non2xx, 0),
      errors: list.reduce((n, s) => n + s.errors, 0),
    };
  };
  // The plain server answers both routes identically, so every one of its runs
  // measures the same baseline: pooling them halves the noise of the ratios.
  const plain = SCENARIOS.flatMap((scenario) => samples.get(`${BASELINE}/${scenario}`) ?? []);
  const baseline = mean(plain.map((s) => s.reqPerSec));
  const base = { read: baseline, write: baseline };
  const rows = servers.map((server) => {
    const row = { id: server.entry.id, label: server.entry.label } as Record<string, unknown>;
    for (const scenario of SCENARIOS) {
      const s = summary(server.entry.id, scenario);
      row[scenario] = { ...s, ratio: round(s.reqPerSec / base[scenario], 4) };
    }
    row.writeSetsCookie = server.writeSetsCookie;
    row.readSetsCookie = server.readSetsCookie;
    return row;
  });

  const date = new Date().toISOString();
  const cpu = cpus();
  const header = ["server", ...SCENARIOS.flatMap((s) => [`${s} req/s`, `${s} p99`, `${s} ×`, `${s} CPU/req`])];
  const table = rows.map((row) => {
    const cells = [String(row.label)];
    for (const scenario of SCENARIOS) {
      const s = row[scenario] as ReturnType<typeof summary> & { ratio: number };
      const flag = s.non2xx + s.errors > 0 ? ` (${s.non2xx + s.errors} failed)` : "";
      cells.push(
        `${Math.round(s.reqPerSec)}${flag}`,
        `${s.p99.toFixed(1)} ms`,
        `${s.ratio.toFixed(3)}×`,
        `${s.cpuPerReq.toFixed(1)} µs`,
      );
    }
    return cells;
  });
  console.log();
  console.log(`date: ${date}`);
  console.log(`node: ${process.version} (${process.platform} ${process.arch})`);
  console.log(`cpu:  ${cpu[0]?.model ?? "unknown"} × ${cpu.length}`);
  console.log(
    `load: autocannon, ${CONNECTIONS} connections (${SHARED_SESSION ? "one shared session" : "a session each"}), ` +
      `${DURATION} s per run, ${ROUNDS} rounds, 127.0.0.1`,
  );
  console.log();
  console.log(markdownTable(header, table));
  console.log();
  const ours = rows.find((r) => r.id === "sealed-session");
  const verdict: Record<string, boolean> = {};
  if (ours) {
    for (const scenario of SCENARIOS) {
      const ratio = (ours[scenario] as { ratio: number }).ratio;
      verdict[scenario] = ratio >= TARGETS[scenario];
      console.log(
        `sealed-session ${scenario}: ${ratio.toFixed(3)}× plain node:http (target ≥ ${TARGETS[scenario]}×) ${verdict[scenario] ? "met" : "MISSED"}`,
      );
    }
  }
  const peers: Record<string, Record<string, number>> = {};
  for (const server of servers) {
    const peer = server.entry.peer;
    if (!peer || !servers.some((s) => s.entry.id === peer)) continue;
    peers[server.entry.id] = {};
    for (const scenario of SCENARIOS) {
      const ratio = summary(server.entry.id, scenario).reqPerSec / summary(peer, scenario).reqPerSec;
      peers[server.entry.id]![scenario] = round(ratio, 3);
      const met = ratio >= PEER_TARGETS[scenario];
      console.log(
        `${server.entry.label} ${scenario}: ${ratio.toFixed(3)}× ${peer} (target ≥ ${PEER_TARGETS[scenario]}×) ${met ? "met" : "MISSED"}`,
      );
    }
  }
  const noCookie = rows.filter((r) => r.id !== BASELINE && !r.writeSetsCookie).map((r) => r.id);
  if (noCookie.length > 0) console.log(`no Set-Cookie on write (session kept server-side): ${noCookie.join(", ")}`);

  mkdirSync(dirname(OUT), { recursive: true });
  const json = {
    date,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    connections: CONNECTIONS,
    sessions: SHARED_SESSION ? "shared" : "per-connection",
    durationSeconds: DURATION,
    rounds: ROUNDS,
    warmupSeconds: WARMUP,
    baselineReqPerSec: round(baseline),
    targets: TARGETS,
    targetsMet: verdict,
    peerTargets: PEER_TARGETS,
    peerRatios: peers,
    skipped,
    results: rows,
  };
  writeFileSync(OUT, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

/** Forks a server and waits for the port it reports. */
function start(entry: ServerEntry): Promise<Running> {
  const execArgv = ["--import", "tsx"];
  if (PROFILE === entry.id) {
    const dir = join(here, "results", "profiles");
    mkdirSync(dir, { recursive: true });
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  const child = fork(join(here, "servers", entry.file), [], {
    execArgv,
    env: { ...process.env, NODE_ENV: "production", ...entry.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry.id} did not start in 30 s`)), 30_000);
    child.once("exit", (code) => reject(new Error(`${entry.id} exited early (code ${code})`)));
    child.once("message", (message) => {
      clearTimeout(timer);
      const port = (message as { port?: number }).port;
      if (!port) return reject(new Error(`${entry.id} sent no port`));
      resolve({
        entry,
        child,
        url: `http://127.0.0.1:${port}`,
        cookies: [],
        writeSetsCookie: false,
        readSetsCookie: false,
      });
    });
  });
}

/** A new session: the `Cookie` header a browser would send after one write without a cookie ("" for none). */
async function newSession(server: Running): Promise<string> {
  const first = await fetch(`${server.url}/write`);
  await first.arrayBuffer();
  // As a browser keeps them: the last line of each name wins (hono-sessions sends two).
  const jar = new Map<string, string>();
  for (const line of first.headers.getSetCookie()) {
    const pair = line.split(";")[0]!.trim();
    jar.set(pair.slice(0, pair.indexOf("=")), pair);
  }
  return [...jar.values()].join("; ");
}

/** Gets the sessions' cookies, then checks with the first that both routes see its session. */
async function prepare(server: Running): Promise<void> {
  const cookie = await newSession(server);
  if (server.entry.id === BASELINE) return;
  if (cookie === "") throw new Error(`${server.entry.id}: the first write set no cookie`);
  server.cookies = [cookie];
  while (!SHARED_SESSION && server.cookies.length < CONNECTIONS) server.cookies.push(await newSession(server));

  const read = await fetch(`${server.url}/read`, { headers: { cookie } });
  const readBody = (await read.json()) as { count?: number };
  if (read.status !== 200 || readBody.count !== 1) {
    throw new Error(`${server.entry.id}: read with the cookie gave ${read.status} ${JSON.stringify(readBody)}`);
  }
  server.readSetsCookie = read.headers.getSetCookie().length > 0;
  const write = await fetch(`${server.url}/write`, { headers: { cookie } });
  const writeBody = (await write.json()) as { count?: number };
  if (write.status !== 200 || writeBody.count !== 2) {
    throw new Error(`${server.entry.id}: write with the cookie gave ${write.status} ${JSON.stringify(writeBody)}`);
  }
  server.writeSetsCookie = write.headers.getSetCookie().length > 0;
}

async function load(server: Running, scenario: Scenario, seconds: number): Promise<Sample> {
  const before = await cpuOf(server);
  let next = 0;
  const result = await autocannon({
    url: `${server.url}/${scenario}`,
    connections: CONNECTIONS,
    duration: seconds,
    // Each connection (autocannon calls this once per connection) presents a cookie of its own.
    setupClient: (client) => {
      const cookie = server.cookies[next++ % Math.max(1, server.cookies.length)];
      if (cookie) client.setHeaders({ cookie });
    },
  });
  const after = await cpuOf(server);
  const cpu = after.user - before.user + after.system - before.system;
  return {
    reqPerSec: result.requests.average,
    p99: result.latency.p99,
    cpuPerReq: result.requests.total > 0 ? cpu / result.requests.total : 0,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The child's CPU usage so far (it answers over IPC). */
function cpuOf(server: Running): Promise<NodeJS.CpuUsage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.entry.id} did not report its CPU time`)), 10_000);
    const onMessage = (message: unknown) => {
      const cpu = (message as { cpu?: NodeJS.CpuUsage }).cpu;
      if (!cpu) return;
      clearTimeout(timer);
      server.child.off("message", onMessage);
      resolve(cpu);
    };
    server.child.on("message", onMessage);
    server.child.send("cpu");
  });
}

/** Disconnects the child (it exits, writing its CPU profile if asked) and waits for it. */
function stop(server: Running): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
    else child.kill("SIGTERM");
  });
}

/** Why the Redis rows cannot run (REDIS_URL, default 127.0.0.1:6379, not answering), if so. */
function redisMissing(): Promise<string | undefined> {
  const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const port = Number(url.port || 6379);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port, timeout: 1000 });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once("connect", () => done(undefined));
    socket.once("timeout", () => done(`no Redis at ${url.host} (timeout)`));
    socket.once("error", (error) => done(`no Redis at ${url.host} (${error.message})`));
  });
}

function postgresMissing(): Promise<string | undefined> {
  const url = new URL(process.env.POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test");
  const port = Number(url.port || 5432);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port, timeout: 1000 });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once("connect", () => done(undefined));
    socket.once("timeout", () => done(`no PostgreSQL at ${url.host} (timeout)`));
    socket.once("error", (error) => done(`no PostgreSQL at ${url.host} (${error.message})`));
  });
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function round(value: number, digits = 1): number {
  return Number(value.toFixed(digits));
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function numberEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return process.env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
}

function log(message: string): void {
  console.error(`[bench:http] ${message}`);
}

if (!existsSync(join(here, "servers"))) throw new Error("bench/servers is missing");
await main();
