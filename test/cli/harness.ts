import type { CliIO } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/run.ts";

/** What one in-process run of the CLI produced. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A password the library accepts without a weak-password warning. */
export const PASSWORD = "Cl1-t3st-Q7vR0bN5cK8zH3sD6gJ1tYwP4m";
export const OTHER_PASSWORD = "0th3r-Xk2Lm9Qp4Rs7Tv1Wy5Za8Bc3Df6Gh";

/**
 * Runs `sealed-session …argv` in-process with captured output, the given
 * standard input (undefined: a terminal, nothing piped) and environment.
 */
export async function cli(
  argv: readonly string[],
  options: { stdin?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  let out = "";
  let err = "";
  const io: CliIO = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    readStdin: async () => options.stdin,
    env: options.env ?? {},
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}
