import { readFileSync } from "node:fs";
import { SessionError } from "../errors.ts";
import { demoCommand } from "./demo.ts";
import { ERROR_MEANINGS, exitCodeFor } from "./explain.ts";
import { inspectCommand } from "./inspect.ts";
import { type CliIO, type Command, EXIT, type ExitCode, UsageError } from "./io.ts";
import { keygenCommand } from "./keygen.ts";
import { migrateCommand } from "./migrate.ts";
import { sealCommand } from "./seal.ts";
import { unsealCommand } from "./unseal.ts";

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  keygenCommand,
  sealCommand,
  unsealCommand,
  inspectCommand,
  demoCommand,
  migrateCommand,
];

const HELP = `Usage: sealed-session <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(9)}${command.summary}`).join("\n")}

Run "sealed-session <command> --help" for a command's options.

Environment:
  SESSION_SECRET  the password for seal and unseal when --password is not given
  DATABASE_URL    the database for migrate when --url is not given

Exit codes:
  0  success
  1  usage: unknown command or option, missing or malformed argument
  2  token refused: malformed, tampered, wrong password, or expired
  3  configuration: no password, one that is not valid JSON or under 32 characters, a bad PORT
  4  other failure (the demo could not start, input could not be read, the database refused)`;

/**
 * Runs the `sealed-session` command line and returns its exit code. Output
 * goes through `io`, so tests run commands in-process.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), processIO());
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(`${HELP}\n`);
    return EXIT.USAGE;
  }
  if (first === "--help" || first === "-h") {
    io.out(`${HELP}\n`);
    return EXIT.OK;
  }
  if (first === "--version" || first === "-v") {
    io.out(`${readVersion()}\n`);
    return EXIT.OK;
  }
  if (first === "help") return rest[0] === undefined ? runCli(["--help"], io) : runCli([rest[0], "--help"], io);
  const command = COMMANDS.find((candidate) => candidate.name === first);
  if (!command) {
    io.err(`sealed-session: unknown command "${first}"\n\n${HELP}\n`);
    return EXIT.USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.err(`${describeError(command.name, error)}\n`);
    return exitCodeFor(error);
  }
}

function describeError(command: string, error: unknown): string {
  const prefix = `sealed-session ${command}:`;
  if (error instanceof UsageError)
    return `${prefix} ${error.message}\nRun "sealed-session ${command} --help" for usage.`;
  if (error instanceof SessionError) {
    const text = `${prefix} ${error.code}: ${error.message.replace(/^sealed-session: /, "")}`;
    // A refused token's message is terse by design (it must not help an attacker); the reader gets the why.
    return exitCodeFor(error) === EXIT.INVALID_TOKEN ? `${text}\n  meaning: ${ERROR_MEANINGS[error.code]}` : text;
  }
  return `${prefix} ${error instanceof Error ? error.message : String(error)}`;
}

function readVersion(): string {
  // dist/cli/ and src/cli/ are both two levels below the package root.
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  return manifest.version ?? "unknown";
}
