// Forged-cookie flood: what well-formed forgeries cost the valid users of a server.
//
//   npm run bench:flood
//
// One server process (bench/servers/flood.ts) per variant; in each phase a
// "valid" autocannon client reads with a real session cookie while a "flood"
// client with as many connections sends, as fast as it can:
//   garbage   cookies that are not iron seals (refused by shape: the floor)
//   forged    well-formed Fe26.2 tokens with random salts (untagged: the budget)
//   claiming  forged tokens whose salts claim to be ours (one HMAC to refuse)
// and "unseen" is a client presenting valid tokens the server has never seen
// (a restart), each with its own salts and each sent once, during the forged
// flood: the latency of those first visits.
// The result is the valid client's throughput under each flood, as a ratio to
// its throughput under the garbage flood of the same round, the median over
// rounds (phases rotate their order each round; with FLOOD_BEFORE the two
// servers take turns).
//
// Environment:
//   FLOOD_DURATION     seconds per phase                       default 5
//   FLOOD_CONNECTIONS  connections of each client              default 10
//   FLOOD_UNSEEN       unseen tokens sent (one request each)    default 300
//   FLOOD_ROUNDS       rounds; ratios are medians over rounds    default 3
//   FLOOD_BEFORE       the index.js of another build (an older commit) to measure beside this one
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { seal } from "sealed-session/seal";
import { PASSWORD } from "./servers/common.ts";

const here = dirname(fileURLToPath(import.meta.url));
const DURATION = Number(process.env.FLOOD_DURATION) || 5;
const CONNECTIONS = Number(process.env.FLOOD_CONNECTIONS) || 10;
const UNSEEN = Number(process.env.FLOOD_UNSEEN) || 300;
const ROUNDS = Number(process.env.FLOOD_ROUNDS) || 3;

const POOL = 20_000;

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const b64 = (bytes: number) => randomBytes(bytes).toString("base64url");

/**
 * Cookies made before the phase and handed out in turn: the flood client
 * shares this process with the valid client, so making a forgery per request
 * would slow the valid client by more than the server's refusals do. The
 * server keeps nothing of a refused token, so a pool of 20,000 is as good as
 * an endless stream.
 */
function pool(make: () => string): () => string {
  const cookies = Array.from({ length: POOL }, make);
  let next = 0;
  return () => cookies[next++ % POOL] as string;
}
const garbage = pool(() => `h3=${b64(150)}`);
const forged = pool(() => `h3=Fe26.2**${hex(32)}*${b64(16)}*${b64(64)}**${hex(32)}*${b64(32)}`);
const claiming = pool(() => {
  const nonce = hex(16);
  return `h3=Fe26.2**${nonce}${hex(16)}*${b64(16)}*${b64(64)}**${nonce}${hex(16)}*${b64(32)}`;
});

interface Server {
  readonly port: number;
  readonly child: ChildProcess;
}

function start(src: string | undefined): Promise<Server> {
  const child = fork(join(here, "servers/flood.ts"), {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...(src ? { FLOOD_SRC: src } : {}) },
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ port: (m as { port: number }).port, child }));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function load(port: number, cookie: () => string, path = "/read", duration = DURATION, amount?: number) {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    ...(amount ? { amount } : { duration }),
    requests: [{ method: "GET", path, setupRequest: (req) => ({ ...req, headers: { cookie: cookie() } }) }],
  });
}

async function validCookie(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/login`);
  return (response.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
}

/** Valid tokens the server has never seen, each with its own salts. */
async function unseenTokens(n: number): Promise<string[]> {
  const payload = { id: "x".repeat(32), createdAt: Date.now(), data: { user: "ada" } };
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`h3=${await seal(payload, PASSWORD, { saltReuseMs: 0 })}`);
  return out;
}

const PHASES = [
  ["garbage", garbage],
  ["forged", forged],
  ["claiming", claiming],
] as const;
type Phase = (typeof PHASES)[number][0];

interface Variant {
  readonly label: string;
  readonly server: Server;
  readonly valid: string;
  /** Per phase, the valid client's req/s of each round, and the flood's. */
  readonly valids: Record<Phase, number[]>;
  readonly floods: Record<Phase, number[]>;
  readonly p50: number[];
  readonly p99: number[];
  non2xx: number;
}

async function prepare(label: string, src: string | undefined): Promise<Variant> {
  const server = await start(src);
  const valid = await validCookie(server.port);
  // Unmeasured: JIT warm-up of the read path and of the refusals.
  await Promise.all([load(server.port, () => valid, "/read", 2), load(server.port, forged, "/read", 2)]);
  const empty = () => ({ garbage: [], forged: [], claiming: [] });
  return { label, server, valid, valids: empty(), floods: empty(), p50: [], p99: [], non2xx: 0 };
}

/** One round of a variant: the three floods (in a rotating order), then the unseen tokens under the forged flood. */
async function round(variant: Variant, index: number): Promise<void> {
  const { port } = variant.server;
  for (let k = 0; k < PHASES.length; k++) {
    const [name, flood] = PHASES[(index + k) % PHASES.length] as (typeof PHASES)[number];
    const [v, f] = await Promise.all([load(port, () => variant.valid), load(port, flood)]);
    variant.valids[name].push(v.requests.average);
    variant.floods[name].push(f.requests.average);
  }
  // Each unseen token is sent once (autocannon's `amount`), so every latency sample is a first visit.
  const tokens = await unseenTokens(UNSEEN);
  let next = 0;
  const [u] = await Promise.all([
    load(port, () => tokens[next++] ?? "", "/read", DURATION, tokens.length),
    load(port, forged),
  ]);
  variant.p50.push(u.latency.p50);
  variant.p99.push(u.latency.p99);
  variant.non2xx += u.non2xx;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;

/** The table row: median over rounds of each round's ratio to its own garbage phase. */
function row(variant: Variant): Record<string, number | string> {
  const out: Record<string, number | string> = { variant: variant.label };
  for (const [name] of PHASES) {
    const ratios = variant.valids[name].map((v, i) => v / (variant.valids.garbage[i] ?? Number.NaN));
    out[`valid req/s (${name})`] = Math.round(median(variant.valids[name]));
    out[`flood req/s (${name})`] = Math.round(median(variant.floods[name]));
    out[`ratio (${name})`] = median(ratios).toFixed(2);
  }
  out["unseen p50 ms (forged)"] = median(variant.p50);
  out["unseen p99 ms (forged)"] = median(variant.p99);
  out["unseen worst p99 ms"] = Math.max(...variant.p99);
  out["unseen non-2xx"] = variant.non2xx;
  return out;
}

const variants = [await prepare("this checkout", undefined)];
if (process.env.FLOOD_BEFORE) variants.push(await prepare("FLOOD_BEFORE", process.env.FLOOD_BEFORE));
try {
  for (let r = 0; r < ROUNDS; r++) {
    // Variants take turns within a round, in alternating order, so drifts of a shared machine fall on both.
    for (const variant of r % 2 ? [...variants].reverse() : variants) await round(variant, r);
    console.error(`round ${r + 1}/${ROUNDS} done`);
  }
} finally {
  for (const variant of variants) variant.server.child.kill();
}
console.table(variants.map(row));
