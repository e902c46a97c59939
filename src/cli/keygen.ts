import { parseArgs } from "node:util";
import { base64url } from "../seal/encoding.ts";
import { type Command, EXIT, HELP_OPTION, parseOrUsage, parsePositiveInteger, UsageError } from "./io.ts";

/** 32 random bytes: 256 bits, as many as the AES-256 key the password derives. */
export const DEFAULT_KEY_BYTES = 32;
/** The library refuses passwords shorter than this (iron's `minPasswordlength`). */
const MIN_LENGTH = 32;
const MAX_LENGTH = 1024;

const OPTIONS = {
  ...HELP_OPTION,
  length: { type: "string", short: "l" },
} as const;

/**
 * `sealed-session keygen`: prints a random password for `SESSION_SECRET`,
 * base64url of 32 random bytes (43 characters), or of `--length` characters.
 */
export const keygenCommand: Command = {
  name: "keygen",
  summary: "print a strong random password (base64url of 32 random bytes)",
  help: `Usage: sealed-session keygen [--length N]

Prints a random password: base64url of ${DEFAULT_KEY_BYTES} random bytes (43 characters,
256 bits), from the platform's cryptographic random source.

Options:
  -l, --length N   password length in characters, ${MIN_LENGTH} to ${MAX_LENGTH} (6 random bits each)
  -h, --help       show this help

Example:
  export SESSION_SECRET="$(npx sealed-session keygen)"`,

  async run(args, io) {
    const { values } = parseOrUsage(() => parseArgs({ args: [...args], options: OPTIONS, strict: true }));
    if (values.help) {
      io.out(`${this.help}\n`);
      return EXIT.OK;
    }
    const length = values.length === undefined ? undefined : parsePositiveInteger(values.length, "--length");
    if (length !== undefined && (length < MIN_LENGTH || length > MAX_LENGTH)) {
      throw new UsageError(`--length must be from ${MIN_LENGTH} to ${MAX_LENGTH} (the library needs at least 32)`);
    }
    io.out(`${generatePassword(length)}\n`);
    return EXIT.OK;
  },
};

/**
 * A random password: base64url of 32 random bytes, or `length` characters of
 * base64url (each carrying 6 random bits).
 *
 * @example
 * generatePassword(); // "q3Jx…" (43 characters)
 */
export function generatePassword(length?: number): string {
  const bytes = length === undefined ? DEFAULT_KEY_BYTES : Math.ceil((length * 3) / 4);
  const text = base64url(globalThis.crypto.getRandomValues(new Uint8Array(bytes)));
  return length === undefined ? text : text.slice(0, length);
}
