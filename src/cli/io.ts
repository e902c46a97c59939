/**
 * Exit codes scripts can rely on. They are part of the CLI's contract:
 * renumbering one is a breaking change.
 */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** Unknown command or option, missing or malformed argument. */
  USAGE: 1,
  /** The token was refused: malformed, tampered, wrong password, or expired. */
  INVALID_TOKEN: 2,
  /** No usable password, or options the library rejects (ERR_CONFIG). */
  CONFIG: 3,
  /** Anything else: the demo could not start, input could not be read. */
  FAILURE: 4,
} as const;

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Everything a command touches outside its arguments, so tests can run a
 * command in-process with captured output and a fixed environment.
 */
export interface CliIO {
  /** Writes to standard output (the result: a token, a password, a report). */
  out(text: string): void;
  /** Writes to standard error (diagnostics, help on a usage error). */
  err(text: string): void;
  /** The whole of standard input, or undefined when it is a terminal (nothing piped). */
  readStdin(): Promise<string | undefined>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One subcommand of `sealed-session`. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  run(args: readonly string[], io: CliIO): Promise<ExitCode>;
}

/** A mistake in how the command was called: reported with a hint and exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The `--help` / `-h` option every command accepts. */
export const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/**
 * Runs a `node:util` `parseArgs` call, turning its errors (unknown option,
 * missing value) into {@link UsageError}s. Its messages name the option.
 *
 * @example
 * const { values } = parseOrUsage(() => parseArgs({ args, options: { ...HELP_OPTION } }));
 */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The positional argument if given, else piped standard input, trimmed. */
export async function argumentOrStdin(positional: string | undefined, io: CliIO, what: string): Promise<string> {
  const text = positional === undefined || positional === "-" ? await io.readStdin() : positional;
  const trimmed = text?.trim();
  if (!trimmed) throw new UsageError(`no ${what}: pass it as an argument or pipe it on standard input`);
  return trimmed;
}

/**
 * A duration in seconds: a plain number, or a number with a unit
 * (`90`, `90s`, `30m`, `1h`, `7d`).
 */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} must be a duration such as 3600, 30m, 1h or 7d (got "${text}")`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] ?? "s"] ?? 1;
  const seconds = Number(match[1]) * unit;
  if (!(seconds > 0)) throw new UsageError(`${option} must be more than zero`);
  return seconds;
}

/** A TCP port number, 0 (any free port) to 65535; undefined when `text` is not one. */
export function parsePort(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65_535 ? Number(text) : undefined;
}

/** A positive integer option. */
export function parsePositiveInteger(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${option} must be a positive integer (got "${text}")`);
  }
  return Number(text);
}
