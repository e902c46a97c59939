// Seal engine benchmark: one seal + unseal round trip of a ~200-byte session,
// this library against the iron implementations h3, vinxi and hapi use.
//
//   npm run bench:seal
//
// Every round trip seals a session and unseals the token it just produced, so
// each contender does a real seal followed by a real (first, uncached) unseal.
// Contenders run interleaved: every round gives each of them one short batch,
// starting from a different contender each round, so that machine noise (turbo,
// other processes, GC of a neighbour) falls on all of them alike.
//
// Environment:
//   BENCH_BATCH_MS   target length of one batch, in ms                 default 50
//   BENCH_ROUNDS     rounds of batches                                 default 100
//   BENCH_WARMUP_MS  unmeasured warm-up per contender (also calibrates) default 500
//   BENCH_ONLY       comma-separated contender ids (baselines always run)
//   BENCH_OUT        where to write the JSON       default bench/results/seal.json
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as hapiIron from "@hapi/iron";
import * as ironWebcrypto from "iron-webcrypto";
import * as ironWebcrypto1 from "iron-webcrypto-1";
import { DEFAULT_ITERATIONS, type SealCallOptions, seal, type UnsealCallOptions, unseal } from "sealed-session/seal";
import { ironLimit } from "./iron-limit.ts";

const here = dirname(fileURLToPath(import.meta.url));

const BATCH_MS = numberEnv("BENCH_BATCH_MS", 50);
const ROUNDS = Math.max(1, Math.round(numberEnv("BENCH_ROUNDS", 100)));
const WARMUP_MS = numberEnv("BENCH_WARMUP_MS", 500);
const ONLY = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const OUT = process.env.BENCH_OUT ?? join(here, "results", "seal.json");

const PASSWORD = "a-benchmark-password-of-at-least-32-characters";

/** What h3 v1 and vinxi seal with (iron-webcrypto 1.x defaults: 1 PBKDF2 iteration). */
const BASE_IW1 = "iron-webcrypto-1";
/** What h3 v2 seals with by default (iron format, 8192 PBKDF2 iterations). */
const BASE_H3V2 = "iron-webcrypto-2@8192";

/** node:crypto with every key derived once: the most a round trip can do here (see iron-limit.ts). */
const LIMIT = "node-crypto-limit";

/** This library's targets, as ratios of round trips/s. */
const TARGETS = [
  { id: "sealed-session", base: LIMIT, ratio: 0.9 },
  { id: "sealed-session", base: BASE_IW1, ratio: 25 },
  { id: "sealed-session", base: BASE_H3V2, ratio: 300 },
  { id: "sealed-session-webcrypto", base: BASE_IW1, ratio: 2 },
] as const;

interface Session {
  id: string;
  createdAt: number;
  data: { user: string; role: string; cart: { sku: string; qty: number }[] };
}

/** One implementation under test: `roundTrip` seals `value` and returns what unsealing the fresh token gave. */
interface Contender {
  readonly id: string;
  readonly label: string;
  readonly roundTrip: (value: Session) => Promise<unknown>;
}

// Option objects are built once: resolved options are cached per object, as a
// real server holding its config in a constant would.
const nodeOptions: SealCallOptions & UnsealCallOptions = {};
const webOptions: SealCallOptions & UnsealCallOptions = { crypto: globalThis.crypto };
const oneIteration: SealCallOptions & UnsealCallOptions = { iterations: 1 };
const oneIterationNoReuse: SealCallOptions & UnsealCallOptions = { iterations: 1, saltReuseMs: 0 };
// iron-webcrypto 1.x types its crypto parameter more narrowly than lib.dom's Crypto.
const iw1Crypto = globalThis.crypto as unknown as Parameters<typeof ironWebcrypto1.seal>[0];
const iw2Options: ironWebcrypto.SealOptions = {
  ...ironWebcrypto.defaults,
  encryption: { ...ironWebcrypto.defaults.encryption, iterations: DEFAULT_ITERATIONS },
  integrity: { ...ironWebcrypto.defaults.integrity, iterations: DEFAULT_ITERATIONS },
};

const limit = ironLimit(PASSWORD, DEFAULT_ITERATIONS);

const CONTENDERS: readonly Contender[] = [
  {
    id: LIMIT,
    label: "limit: node:crypto, keys derived once",
    roundTrip: async (v) => limit.unseal(limit.seal(v)),
  },
  {
    id: "sealed-session",
    label: "sealed-session (defaults, node:crypto)",
    roundTrip: async (v) => unseal(await seal(v, PASSWORD, nodeOptions), PASSWORD, nodeOptions),
  },
  {
    id: "sealed-session-webcrypto",
    label: "sealed-session (defaults, WebCrypto)",
    roundTrip: async (v) => unseal(await seal(v, PASSWORD, webOptions), PASSWORD, webOptions),
  },
  {
    id: "sealed-session-1",
    label: "sealed-session (iterations: 1)",
    roundTrip: async (v) => unseal(await seal(v, PASSWORD, oneIteration), PASSWORD, oneIteration),
  },
  {
    id: "sealed-session-1-fresh",
    label: "sealed-session (iterations: 1, saltReuseMs: 0)",
    roundTrip: async (v) => unseal(await seal(v, PASSWORD, oneIterationNoReuse), PASSWORD, oneIterationNoReuse),
  },
  {
    id: BASE_IW1,
    label: "iron-webcrypto 1.x (defaults, 1 it.; h3 v1/vinxi)",
    roundTrip: async (v) =>
      ironWebcrypto1.unseal(
        iw1Crypto,
        await ironWebcrypto1.seal(iw1Crypto, v, PASSWORD, ironWebcrypto1.defaults),
        PASSWORD,
        ironWebcrypto1.defaults,
      ),
  },
  {
    id: BASE_H3V2,
    label: `iron-webcrypto 2.x (${DEFAULT_ITERATIONS} it.; h3 v2 default)`,
    roundTrip: async (v) =>
      ironWebcrypto.unseal(await ironWebcrypto.seal(v, PASSWORD, iw2Options), PASSWORD, iw2Options),
  },
  {
    id: "hapi-iron",
    label: "@hapi/iron (defaults, 1 it.)",
    roundTrip: async (v) =>
      hapiIron.unseal(await hapiIron.seal(v, PASSWORD, hapiIron.defaults), PASSWORD, hapiIron.defaults),
  },
];

/** A pool of distinct sessions, so that no contender can profit from sealing one constant value. */
const SESSIONS: readonly Session[] = Array.from({ length: 64 }, (_, i) => ({
  id: randomUUID(),
  createdAt: Date.now() - i * 1000,
  data: {
    user: `user${String(i).padStart(4, "0")}@mail.example.com`,
    role: i % 5 === 0 ? "editor" : "member",
    cart: [
      { sku: `SKU-${100_000 + i}`, qty: 1 + (i % 3) },
      { sku: `SKU-${200_000 + i}`, qty: 2 },
    ],
  },
}));
const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(SESSIONS[0]));

interface Stats {
  ops: number;
  ms: number;
  /** µs per round trip of each batch. */
  batches: number[];
}

let cursor = 0;

/** Runs `n` round trips back to back and returns the elapsed milliseconds. */
async function batch(contender: Contender, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const value = SESSIONS[cursor++ & 63]!;
    const out = (await contender.roundTrip(value)) as Session;
    if (out.id !== value.id) throw new Error(`${contender.id}: round trip returned another session`);
  }
  return performance.now() - start;
}

async function main(): Promise<void> {
  const contenders = CONTENDERS.filter(
    (c) => c.id === LIMIT || c.id === BASE_IW1 || c.id === BASE_H3V2 || !ONLY || ONLY.includes(c.id),
  );
  const cpu = cpus();
  const cpuModel = cpu[0]?.model.trim() ?? "unknown CPU";
  log(`date ${new Date().toISOString()}`);
  log(`node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}`);
  log(`cpu ${cpuModel} × ${cpu.length}`);
  log(
    `payload ${PAYLOAD_BYTES} B of JSON; ${contenders.length} contenders × ${ROUNDS} rounds × ~${BATCH_MS} ms ` +
      `(+${WARMUP_MS} ms warm-up each)`,
  );

  // Warm-up, which also sizes each contender's batch to about BATCH_MS.
  const batchSize = new Map<string, number>();
  for (const c of contenders) {
    let ops = 0;
    let ms = 0;
    let n = 1;
    while (ms < WARMUP_MS) {
      ms += await batch(c, n);
      ops += n;
      n = Math.min(n * 2, 1 << 14);
    }
    const size = Math.max(1, Math.round((BATCH_MS * ops) / ms));
    batchSize.set(c.id, size);
    log(`warm-up ${c.id.padEnd(26)} ${((ms * 1000) / ops).toFixed(1).padStart(9)} µs/op, batch of ${size}`);
  }

  const stats = new Map<string, Stats>(contenders.map((c) => [c.id, { ops: 0, ms: 0, batches: [] }]));
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      const n = batchSize.get(c.id)!;
      const ms = await batch(c, n);
      const s = stats.get(c.id)!;
      s.ops += n;
      s.ms += ms;
      s.batches.push((ms * 1000) / n);
    }
    if ((round + 1) % Math.max(1, Math.round(ROUNDS / 10)) === 0) {
      log(`round ${round + 1}/${ROUNDS} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  }

  report(contenders, stats, cpuModel, cpu.length);
}

function report(contenders: readonly Contender[], stats: Map<string, Stats>, cpuModel: string, cpuCount: number): void {
  const summary = (id: string) => {
    const s = stats.get(id)!;
    const meanUs = (s.ms * 1000) / s.ops;
    return {
      opsPerSec: (s.ops * 1000) / s.ms,
      meanUs,
      medianUs: median(s.batches),
      // 95% margin of the per-batch means, relative to the mean.
      rmePct: (100 * 1.96 * stddev(s.batches)) / Math.sqrt(s.batches.length) / meanUs,
      ops: s.ops,
      batches: s.batches.length,
    };
  };
  const limitOps = summary(LIMIT).opsPerSec;
  const iw1 = summary(BASE_IW1).opsPerSec;
  const h3v2 = summary(BASE_H3V2).opsPerSec;
  const results = contenders.map((c) => {
    const s = summary(c.id);
    return {
      id: c.id,
      label: c.label,
      ...s,
      vsLimit: s.opsPerSec / limitOps,
      vsIronWebcrypto1: s.opsPerSec / iw1,
      vsH3v2Default: s.opsPerSec / h3v2,
    };
  });

  const header = [
    "contender",
    "round trips/s",
    "mean µs",
    "median µs",
    "±%",
    "× limit",
    "× iron-webcrypto 1",
    "× h3 v2 default",
  ];
  const rows = results.map((r) => [
    r.label,
    fmtInt(r.opsPerSec),
    r.meanUs.toFixed(1),
    r.medianUs.toFixed(1),
    r.rmePct.toFixed(1),
    fmtRatio(r.vsLimit),
    fmtRatio(r.vsIronWebcrypto1),
    fmtRatio(r.vsH3v2Default),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  const date = new Date().toISOString();
  console.log("");
  console.log(`seal + unseal round trip, ${PAYLOAD_BYTES} B session — ${date}`);
  console.log(`node ${process.version}, ${cpuModel} × ${cpuCount}`);
  console.log("");
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log("");

  const targets = TARGETS.filter((t) => stats.has(t.id)).map((t) => {
    const ratio = summary(t.id).opsPerSec / summary(t.base).opsPerSec;
    return { contender: t.id, baseline: t.base, target: t.ratio, ratio, met: ratio >= t.ratio };
  });
  for (const t of targets) {
    console.log(`${t.met ? "PASS" : "MISS"}  ${t.contender} ≥ ${t.target}× ${t.baseline}: ${fmtRatio(t.ratio)}`);
  }

  const json = {
    benchmark: "seal+unseal round trip",
    date,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}/${process.arch}`,
    cpu: cpuModel,
    cpus: cpuCount,
    config: { batchMs: BATCH_MS, rounds: ROUNDS, warmupMs: WARMUP_MS, payloadBytes: PAYLOAD_BYTES },
    baselines: { limit: LIMIT, ironWebcrypto1: BASE_IW1, h3v2Default: BASE_H3V2 },
    results: results.map((r) => ({
      ...r,
      opsPerSec: Math.round(r.opsPerSec),
      meanUs: round(r.meanUs, 2),
      medianUs: round(r.medianUs, 2),
      rmePct: round(r.rmePct, 1),
      vsLimit: round(r.vsLimit, 3),
      vsIronWebcrypto1: round(r.vsIronWebcrypto1, 2),
      vsH3v2Default: round(r.vsH3v2Default, 2),
    })),
    targets: targets.map((t) => ({ ...t, ratio: round(t.ratio, 2) })),
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(json, null, 2)}\n`);
  const shown = relative(process.cwd(), OUT);
  console.log(`\nwrote ${shown.startsWith("..") ? OUT : shown}`);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function stddev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function fmtRatio(n: number): string {
  return n >= 100 ? `${Math.round(n)}×` : n >= 10 ? `${n.toFixed(1)}×` : `${n.toFixed(2)}×`;
}

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

await main();
