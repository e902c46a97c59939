#!/usr/bin/env node
// The `sealed-session` executable: wires the process to runCli, nothing more.
import { type CliIO, EXIT } from "./io.ts";
import { runCli } from "./run.ts";

const io: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  async readStdin() {
    // A terminal means nothing was piped: do not wait for the user to type.
    if (process.stdin.isTTY) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  env: process.env,
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sealed-session: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.FAILURE;
  },
);
