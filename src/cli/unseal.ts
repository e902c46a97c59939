import { parseArgs } from "node:util";
import { DEFAULT_ITERATIONS } from "../seal/options.ts";
import type { PasswordInput } from "../seal/password.ts";
import { type UnsealResult, unsealDetailed } from "../seal/unseal.ts";
import { resolveConfig } from "../session/config.ts";
import { assertAlive, expiresAt } from "../session/lifetime.ts";
import { type SealedPayload, toPayload } from "../session/payload.ts";
import { errorReport, exitCodeFor } from "./explain.ts";
import { formatInstant, json, table } from "./format.ts";
import {
  argumentOrStdin,
  type CliIO,
  type Command,
  EXIT,
  type ExitCode,
  HELP_OPTION,
  parseDuration,
  parseOrUsage,
  parsePositiveInteger,
} from "./io.ts";
import { PASSWORD_ENV, readPasswords } from "./passwords.ts";
import { pickToken } from "./token-input.ts";

const OPTIONS = {
  ...HELP_OPTION,
  password: { type: "string", short: "p", multiple: true },
  iterations: { type: "string", short: "i" },
  name: { type: "string", short: "n" },
  "max-age": { type: "string" },
  "idle-timeout": { type: "string" },
  json: { type: "boolean" },
} as const;

/**
 * `sealed-session unseal`: opens a token or a session cookie and tells what it
 * holds, or why a server would refuse it.
 */
export const unsealCommand: Command = {
  name: "unseal",
  summary: "open a token or session cookie: id, times, password id, data",
  help: `Usage: sealed-session unseal [TOKEN] [options]

Opens TOKEN (read from standard input when omitted or "-") and prints the
session's id, createdAt, expiry, which password opened it, and its data. TOKEN
may be a bare Fe26.2*… token, a Cookie header, or the cookies of a chunked
session (name=__chunked__N; name.1=…; …), joined as the library joins them.
On failure prints the error code and what it means, and exits with 2.

Options:
  -p, --password P       a password (repeatable: all are tried); default $${PASSWORD_ENV}.
                         JSON gives ids: '[{"id":"k2","secret":"…"},{"id":"k1","secret":"…"}]'
  -i, --iterations N     PBKDF2 iterations (default ${DEFAULT_ITERATIONS}; h3 v1's 1 is tried after a mismatch)
  -n, --name NAME        the session's cookie name; also refuses tokens sealed for another name
      --max-age D        refuse sessions older than D (seconds, or 30m, 1h, 7d), as the server would
      --idle-timeout D   refuse sessions idle for longer than D
      --json             print one JSON object, on every failure too:
                         { ok: false, code, message, meaning }, code ERR_USAGE for a usage error
  -h, --help             show this help

Exit codes: 0 opened, 1 usage, 2 refused (malformed, tampered, wrong password,
expired), 3 no usable password (none, not valid JSON, or too short), 4 other failure.`,

  async run(args, io) {
    // Decided before parsing, so that with --json even an unknown option is reported as JSON.
    const end = args.indexOf("--");
    const asJson = (end === -1 ? args : args.slice(0, end)).includes("--json");
    try {
      return await unsealCommandLine(args, io, this.help);
    } catch (error) {
      if (!asJson) throw error;
      // Every failure, whatever its stage: one JSON object on stdout, the documented exit code.
      io.out(`${json(errorReport(error))}\n`);
      return exitCodeFor(error);
    }
  },
};

async function unsealCommandLine(args: readonly string[], io: CliIO, help: string): Promise<ExitCode> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true }),
  );
  if (values.help) {
    io.out(`${help}\n`);
    return EXIT.OK;
  }
  const input = await argumentOrStdin(positionals.join(" ") || undefined, io, "TOKEN");
  const maxAge = values["max-age"] === undefined ? undefined : parseDuration(values["max-age"], "--max-age");
  const idle =
    values["idle-timeout"] === undefined ? undefined : parseDuration(values["idle-timeout"], "--idle-timeout");
  const iterations =
    values.iterations === undefined ? DEFAULT_ITERATIONS : parsePositiveInteger(values.iterations, "--iterations");
  const token = pickToken(input, values.name);
  const password = readPasswords(values.password, io.env);
  const report = await open(token, password, { name: values.name, maxAge, idle, iterations, io });
  io.out(`${values.json ? json({ ok: true, ...report }) : describe(report)}\n`);
  return EXIT.OK;
}

/** What `unseal` learned about a token. */
interface UnsealReport {
  /** Id of the password that opened the token ("" for a password without an id). */
  readonly passwordId: string;
  /** Id the token names (`Fe26.2*<id>*…`); differs when an id-less password opened it. */
  readonly tokenPasswordId: string;
  readonly rotated: boolean;
  readonly legacy: boolean;
  /** The token's own expiration (ms), if sealed with a ttl. */
  readonly expiresAt: number | undefined;
  /** The session's end under --max-age / --idle-timeout, if given. */
  readonly sessionEndsAt?: number | undefined;
  readonly session?: SealedPayload;
  /** A raw seal's value, when the token does not hold a session. */
  readonly value?: unknown;
}

interface OpenOptions {
  readonly name: string | undefined;
  readonly maxAge: number | undefined;
  readonly idle: number | undefined;
  readonly iterations: number;
  readonly io: CliIO;
}

async function open(token: string, password: PasswordInput, o: OpenOptions): Promise<UnsealReport> {
  // The server's own config resolution: same password rules, same lifetime checks.
  const config = resolveConfig({
    password,
    name: o.name,
    maxAge: o.maxAge,
    idleTimeout: o.idle,
    seal: { iterations: o.iterations },
    onWarning: (message) => o.io.err(`warning: ${message}\n`),
  });
  const opened: UnsealResult = await unsealDetailed(config.backend, token, config.password, config.seal, {
    legacyFallback: true,
  });
  const base = {
    passwordId: opened.passwordId,
    tokenPasswordId: token.split("*")[1] ?? "",
    rotated: opened.rotated,
    legacy: opened.legacy,
    expiresAt: opened.expiration,
  };
  const describesSession = o.name !== undefined || o.maxAge !== undefined || o.idle !== undefined;
  if (!describesSession && !looksLikeSession(opened.value)) return { ...base, value: opened.value };
  const value = opened.value as { purpose?: unknown };
  const session = toPayload(opened.value, o.name ?? (typeof value.purpose === "string" ? value.purpose : ""));
  assertAlive(session, config, Date.now());
  return { ...base, session, sessionEndsAt: expiresAt(session, config) };
}

function describe(report: UnsealReport): string {
  const now = Date.now();
  const rows: [string, string][] = [];
  const session = report.session;
  if (session) {
    rows.push(["id", session.id], ["created", formatInstant(session.createdAt, now)]);
    if (session.lastSeenAt !== undefined) rows.push(["last seen", formatInstant(session.lastSeenAt, now)]);
  }
  rows.push([
    "expires",
    report.expiresAt === undefined ? "never (sealed without a ttl)" : formatInstant(report.expiresAt, now),
  ]);
  if (report.sessionEndsAt !== undefined) rows.push(["session ends", formatInstant(report.sessionEndsAt, now)]);
  let password = report.passwordId || "none (a password without an id)";
  if (!report.passwordId && report.tokenPasswordId) {
    password = `none: the token names "${report.tokenPasswordId}", opened by a password without an id`;
  }
  if (report.rotated) password += " (an older password: a server would reseal with the first)";
  rows.push(["password id", password]);
  if (report.legacy) rows.push(["iterations", "1 (h3 v1 / vinxi legacy seal; a server would reseal it)"]);
  if (session?.purpose !== undefined) rows.push(["name", `${session.purpose} (sealed for this session name only)`]);
  if (session?.ref) rows.push(["store", "reference only: the data lives in a server-side store"]);
  if (session?.flash) rows.push(["flash", JSON.stringify(session.flash)]);
  const body = session ? (session.ref ? "" : `\ndata\n${json(session.data ?? {})}`) : `\nvalue\n${json(report.value)}`;
  return table(rows) + body;
}

function looksLikeSession(value: unknown): boolean {
  return typeof value === "object" && value !== null && "id" in value && "createdAt" in value;
}
