import { SessionError } from "../errors.ts";
import type { Password, PasswordInput } from "../seal/password.ts";
import { UsageError } from "./io.ts";

/** Where the CLI reads a password when `--password` is not given. */
export const PASSWORD_ENV = "SESSION_SECRET";

/**
 * The password(s) for `seal` and `unseal`: every `--password` given, else
 * `SESSION_SECRET`. A value that starts with `{` or `[` is read as JSON in the
 * library's own shapes (`{ "id": "k2", "secret": "…" }` or a list for
 * rotation), which is how a password gets an id; anything else is the secret
 * itself. Length and shape are left to the library, so the CLI accepts exactly
 * what a server would. No password, or one that starts like JSON but is not,
 * is an `ERR_CONFIG` error (exit code 3).
 */
export function readPasswords(
  flags: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): PasswordInput {
  if (flags && flags.length > 0) {
    const parsed = flags.map((flag) => parsePassword(flag, "--password"));
    if (parsed.length === 1) return parsed[0] as PasswordInput;
    return parsed.flatMap((entry) => (Array.isArray(entry) ? entry : [entry as Password]));
  }
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv) return parsePassword(fromEnv, PASSWORD_ENV);
  throw new SessionError(
    "ERR_CONFIG",
    `no password: pass --password or set ${PASSWORD_ENV} (make one with \`sealed-session keygen\`)`,
  );
}

/** Gives a single plain password an id, so its tokens name it (`Fe26.2*<id>*…`). */
export function withPasswordId(password: PasswordInput, id: string | undefined): PasswordInput {
  if (id === undefined) return password;
  if (!/^\w+$/.test(id)) throw new UsageError(`--password-id must be letters, digits and underscores (got "${id}")`);
  if (typeof password !== "string") {
    throw new UsageError("--password-id applies to a plain password; a JSON password carries its own id");
  }
  return { id, secret: password };
}

function parsePassword(text: string, source: string): PasswordInput {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(trimmed) as PasswordInput;
  } catch {
    // A typo in JSON would otherwise become a (wrong) literal secret and a baffling MAC error.
    // No usable password is a configuration error (exit code 3), wherever it came from;
    // the parser's message is left out, as it quotes the secret.
    throw new SessionError(
      "ERR_CONFIG",
      `${source} starts like JSON but does not parse as JSON (a password with an id: {"id":"k1","secret":"…"})`,
    );
  }
}
