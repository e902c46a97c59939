import { parseArgs } from "node:util";
import { DEFAULT_ITERATIONS } from "../seal/options.ts";
import { seal } from "../seal/seal.ts";
import type { SealedPayload } from "../session/payload.ts";
import {
  argumentOrStdin,
  type Command,
  EXIT,
  HELP_OPTION,
  parseDuration,
  parseOrUsage,
  parsePositiveInteger,
  UsageError,
} from "./io.ts";
import { PASSWORD_ENV, readPasswords, withPasswordId } from "./passwords.ts";

const OPTIONS = {
  ...HELP_OPTION,
  password: { type: "string", short: "p", multiple: true },
  "password-id": { type: "string" },
  ttl: { type: "string", short: "t" },
  iterations: { type: "string", short: "i" },
  id: { type: "string" },
  name: { type: "string", short: "n" },
  raw: { type: "boolean" },
} as const;

/**
 * `sealed-session seal`: seals JSON session data into an iron token that the
 * library (and h3, vinxi, iron-session) accepts as a session cookie value.
 */
export const sealCommand: Command = {
  name: "seal",
  summary: "seal JSON session data into a token (a cookie value)",
  help: `Usage: sealed-session seal [DATA] [options]

Seals DATA (a JSON object; read from standard input when omitted or "-") as a
session { id, createdAt, data } and prints the iron token (Fe26.2*…), ready to
use as the session cookie's value or the x-<name>-session header.

Options:
  -p, --password P     the password (repeatable: the first seals); default $${PASSWORD_ENV}.
                       JSON gives it an id: '{"id":"k2","secret":"…"}'
      --password-id ID name the plain password's id in the token (for rotation)
  -t, --ttl DURATION   token lifetime: seconds, or 30m, 1h, 7d (default: none)
  -i, --iterations N   PBKDF2 iterations (default ${DEFAULT_ITERATIONS}, as h3 v2; 1 for h3 v1 / vinxi)
      --id ID          the session id (default: a random UUID)
  -n, --name NAME      bind the token to this session name (servers of other names refuse it)
      --raw            seal DATA (any JSON value) as it is, not wrapped in a session
  -h, --help           show this help

Examples:
  sealed-session seal '{"user":"ada","role":"admin"}' --ttl 1h
  echo '{"cart":[]}' | SESSION_SECRET=… sealed-session seal --iterations 1`,

  async run(args, io) {
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (values.help) {
      io.out(`${this.help}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 1) throw new UsageError("seal takes one DATA argument; quote the JSON");
    const password = withPasswordId(readPasswords(values.password, io.env), values["password-id"]);
    const ttl = values.ttl === undefined ? 0 : parseDuration(values.ttl, "--ttl") * 1000;
    const iterations =
      values.iterations === undefined ? DEFAULT_ITERATIONS : parsePositiveInteger(values.iterations, "--iterations");
    const data = parseJson(await argumentOrStdin(positionals[0], io, "DATA"));

    let value: unknown = data;
    if (!values.raw) {
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        throw new UsageError("session DATA must be a JSON object (use --raw to seal any JSON value)");
      }
      const payload: SealedPayload = {
        id: values.id ?? globalThis.crypto.randomUUID(),
        createdAt: Date.now(),
        data: data as Record<string, unknown>,
      };
      if (values.name !== undefined) payload.purpose = values.name;
      value = payload;
    } else if (values.id !== undefined || values.name !== undefined) {
      throw new UsageError("--id and --name describe a session; they do not apply with --raw");
    }
    io.out(`${await seal(value, password, { ttl, iterations })}\n`);
    return EXIT.OK;
  },
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`DATA is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
