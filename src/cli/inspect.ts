import { parseArgs } from "node:util";
import { isBase64url, isHex } from "../seal/encoding.ts";
import { DEFAULT_SEAL_OPTIONS } from "../seal/options.ts";
import { MAC_PREFIX } from "../seal/seal.ts";
import { formatInstant, json, table } from "./format.ts";
import { argumentOrStdin, type Command, EXIT, HELP_OPTION, parseOrUsage, UsageError } from "./io.ts";
import { type FoundToken, findTokens } from "./token-input.ts";

const OPTIONS = {
  ...HELP_OPTION,
  name: { type: "string", short: "n" },
  json: { type: "boolean" },
} as const;

/** What can be read off a token without its password. */
export interface TokenAnatomy {
  readonly length: number;
  readonly fields: number;
  readonly prefix: string;
  /** The password id in the token ("" when sealed with a password without an id). */
  readonly passwordId: string | undefined;
  /** Expiration written in the token (ms since epoch); undefined when sealed without a ttl. */
  readonly expiresAt: number | undefined;
  readonly expired: boolean;
  readonly encryptionSaltBits: number | undefined;
  readonly ivBytes: number | undefined;
  readonly ciphertextBytes: number | undefined;
  readonly integritySaltBits: number | undefined;
  readonly macBytes: number | undefined;
  /** Why a server would refuse the token on sight; empty when well-formed. */
  readonly problems: readonly string[];
}

/**
 * `sealed-session inspect`: what anyone can see in a sealed cookie, with no
 * password: its fields, sizes, expiration, password id and chunks.
 */
export const inspectCommand: Command = {
  name: "inspect",
  summary: "describe a token or cookie without a password: fields, sizes, expiry",
  help: `Usage: sealed-session inspect [TOKEN] [options]

Describes TOKEN (read from standard input when omitted or "-") without a
password: its fields, sizes, expiration, password id, and, given a Cookie header
or the cookies of a chunked session (name=__chunked__N; name.1=…; …), its
cookies and chunks. The data itself stays encrypted.

Options:
  -n, --name NAME   look only at the session cookie of this name
      --json        print JSON (an array, one entry per session cookie)
  -h, --help        show this help

Exit codes: 0 well-formed and unexpired, 1 usage, 2 malformed, chunks missing,
or expired.

Example:
  sealed-session inspect "Cookie: h3=__chunked__2; h3.1=Fe26.2*…; h3.2=…"`,

  async run(args, io) {
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true }),
    );
    if (values.help) {
      io.out(`${this.help}\n`);
      return EXIT.OK;
    }
    const input = await argumentOrStdin(positionals.join(" ") || undefined, io, "TOKEN");
    const found = findTokens(input, values.name);
    if (found.length === 0) {
      throw new UsageError(
        values.name === undefined ? "no session cookie in the input" : `no cookie named "${values.name}" in the input`,
      );
    }
    const now = Date.now();
    const reports = found.map((entry) => ({ entry, anatomy: entry.token ? dissect(entry.token, now) : undefined }));
    if (values.json) {
      io.out(`${json(reports.map(({ entry, anatomy }) => ({ ...cookieFacts(entry), token: anatomy })))}\n`);
    } else {
      io.out(`${reports.map(({ entry, anatomy }) => describe(entry, anatomy, now)).join("\n\n")}\n`);
    }
    const bad = reports.some(({ anatomy }) => !anatomy || anatomy.expired || anatomy.problems.length > 0);
    return bad ? EXIT.INVALID_TOKEN : EXIT.OK;
  },
};

/**
 * Reads the eight iron fields (`Fe26.2*id*encSalt*iv*ciphertext*expiration*
 * hmacSalt*hmac`) and checks their shapes as the unsealer does, collecting
 * every problem instead of stopping at the first.
 */
export function dissect(token: string, now: number): TokenAnatomy {
  const parts = token.split("*");
  const [prefix = "", id, encSalt, iv, cipher, exp, macSalt, mac] = parts;
  const problems: string[] = [];
  if (parts.length !== 8) problems.push(`a seal has 8 fields separated by "*", this has ${parts.length}`);
  if (prefix !== MAC_PREFIX) problems.push(`the prefix is "${prefix.slice(0, 16)}", not ${MAC_PREFIX}`);
  if (id !== undefined && !/^\w*$/.test(id)) problems.push("the password id has characters other than \\w");
  const hexBits = (field: string | undefined, what: string) => {
    if (field === undefined) return undefined;
    if (!isHex(field) || field.length === 0) problems.push(`the ${what} salt is not hex`);
    return field.length * 4;
  };
  const b64Bytes = (field: string | undefined, what: string) => {
    if (field === undefined) return undefined;
    if (!isBase64url(field) || field.length === 0) problems.push(`the ${what} is not base64url`);
    return Math.floor((field.length * 3) / 4);
  };
  const encryptionSaltBits = hexBits(encSalt, "encryption");
  const ivBytes = b64Bytes(iv, "iv");
  const ciphertextBytes = b64Bytes(cipher, "ciphertext");
  const integritySaltBits = hexBits(macSalt, "integrity");
  const macBytes = b64Bytes(mac, "mac");
  if (ivBytes !== undefined && ivBytes !== 16) problems.push(`the iv is ${ivBytes} bytes, not 16`);
  if (macBytes !== undefined && macBytes !== 32) problems.push(`the mac is ${macBytes} bytes, not 32 (HMAC-SHA256)`);
  let expiresAt: number | undefined;
  if (exp) {
    if (/^\d{1,16}$/.test(exp)) expiresAt = Number(exp);
    else problems.push("the expiration is not a number of milliseconds");
  }
  // Servers allow this much clock skew before calling a seal expired.
  const expired = expiresAt !== undefined && expiresAt <= now - DEFAULT_SEAL_OPTIONS.timestampSkewSec * 1000;
  return {
    length: token.length,
    fields: parts.length,
    prefix,
    passwordId: id,
    expiresAt,
    expired,
    encryptionSaltBits,
    ivBytes,
    ciphertextBytes,
    integritySaltBits,
    macBytes,
    problems,
  };
}

function cookieFacts(entry: FoundToken) {
  return {
    name: entry.name,
    chunks: entry.chunks,
    missing: entry.missing,
    cookies: entry.parts.map((part) => ({ name: part.name, bytes: byteLength(`${part.name}=${part.value}`) })),
  };
}

function describe(entry: FoundToken, anatomy: TokenAnatomy | undefined, now: number): string {
  const rows: [string, string][] = [];
  if (entry.name !== undefined) {
    const facts = cookieFacts(entry);
    const total = facts.cookies.reduce((sum, cookie) => sum + cookie.bytes, 0);
    rows.push(["cookie", `${entry.name} (${facts.cookies.length} cookie(s), ${total} bytes as name=value pairs)`]);
    if (entry.chunks !== undefined) {
      const sizes = facts.cookies.slice(1).map((cookie) => `${cookie.name} ${cookie.bytes} B`);
      rows.push(["chunks", `${entry.chunks} announced: ${sizes.join(", ") || "none present"}`]);
    }
    if (entry.missing.length > 0) rows.push(["missing", entry.missing.join(", ")]);
  }
  if (!anatomy) return table([...rows, ["token", "unreadable: chunks are missing or the marker is malformed"]]);
  rows.push(["token", `${anatomy.length} characters, ${anatomy.fields} fields, prefix ${anatomy.prefix || "(none)"}`]);
  if (anatomy.passwordId !== undefined) {
    rows.push(["password id", anatomy.passwordId ? anatomy.passwordId : "none (sealed with a password without an id)"]);
  }
  const expiry =
    anatomy.expiresAt === undefined ? "never (sealed without a ttl)" : formatInstant(anatomy.expiresAt, now);
  rows.push(["expires", anatomy.expired ? `${expiry}: EXPIRED` : expiry]);
  if (anatomy.ciphertextBytes !== undefined) {
    // AES-CBC pads with 1 to 16 bytes, so the JSON inside is within this range.
    const low = Math.max(0, anatomy.ciphertextBytes - 16);
    rows.push([
      "encryption",
      `salt ${anatomy.encryptionSaltBits} bits, iv ${anatomy.ivBytes} bytes, ciphertext ${anatomy.ciphertextBytes} bytes (${low}–${anatomy.ciphertextBytes - 1} bytes of JSON)`,
    ]);
  }
  if (anatomy.macBytes !== undefined) {
    rows.push(["integrity", `salt ${anatomy.integritySaltBits} bits, HMAC-SHA256 ${anatomy.macBytes} bytes`]);
  }
  for (const problem of anatomy.problems) rows.push(["problem", problem]);
  rows.push(["note", "iterations are not recorded in a token; reading the data takes the password (unseal)"]);
  return table(rows);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
