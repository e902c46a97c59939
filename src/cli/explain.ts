import { SessionError, type SessionErrorCode } from "../errors.ts";
import { EXIT, type ExitCode, UsageError } from "./io.ts";

/**
 * What each error code means for someone holding a token, in plain words.
 * A `Record` over the closed union: a new code fails the build until it is
 * explained here.
 */
export const ERROR_MEANINGS: Readonly<Record<SessionErrorCode, string>> = {
  ERR_CONFIG: "the configuration is unusable: no password or a short one (32 characters at least), or a bad option",
  ERR_SEAL_FORMAT: "this is not an iron seal: it was cut short or mangled in copying, or is not a session token at all",
  ERR_SEAL_EXPIRED: "the token's own expiration has passed; a server would start a fresh session",
  ERR_SEAL_MAC:
    "the integrity check failed: the token was altered, or it was sealed with a different password or iteration count",
  ERR_SEAL_PASSWORD_ID:
    "the token names a password id that none of the given passwords has (rotated out, or the wrong secret)",
  ERR_SEAL_PAYLOAD: "the token is authentic, but its content could not be decrypted or is not JSON",
  ERR_SEAL_BUSY:
    "the token was not sealed by this library and the server had no derivation budget left to check it (a flood of forged cookies)",
  ERR_SEAL_VALUE: "the value cannot be sealed: it does not survive a JSON round trip",
  ERR_SESSION_EXPIRED: "the session is older than --max-age, or was idle for longer than --idle-timeout",
  ERR_SESSION_PURPOSE: "the token was sealed for a session of another name than --name",
  ERR_SESSION_SHAPE: "the token opened, but it does not hold a { id, createdAt, data } session",
  ERR_SESSION_SCHEMA: "the session data does not match the application's schema",
  ERR_SESSION_TOO_LARGE: "the session does not fit in the allowed number of cookies",
  ERR_STORE_UNAVAILABLE: "the server-side session store failed or did not answer in time",
  ERR_STORE_MISSING: "the server-side record of this session is gone (revoked or expired)",
  ERR_HEADERS_SENT: "a server tried to write the session after its response had started; the write was lost",
  ERR_READ_ONLY: "the session was opened where cookies cannot be written (a Next.js Server Component)",
};

/**
 * Codes of the `--json` failures that are not the library's: a mistake in how
 * the command was called (exit code 1), and anything else (exit code 4).
 */
export const CLI_ERROR_MEANINGS = {
  ERR_USAGE:
    "the command was called wrongly: an unknown or malformed option, no token, or not one session cookie in the input; see --help",
  ERR_FAILURE: "the command failed for another reason, such as standard input that could not be read",
} as const;

/** What `--json` prints for a failure: the same shape for every error, with the exit code's meaning. */
export interface ErrorReport {
  readonly ok: false;
  readonly code: SessionErrorCode | keyof typeof CLI_ERROR_MEANINGS;
  readonly message: string;
  readonly meaning: string;
}

/** The `--json` report of an error a command threw. */
export function errorReport(error: unknown): ErrorReport {
  if (error instanceof SessionError) {
    return { ok: false, code: error.code, message: error.message, meaning: ERROR_MEANINGS[error.code] };
  }
  const code = error instanceof UsageError ? "ERR_USAGE" : "ERR_FAILURE";
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, code, message, meaning: CLI_ERROR_MEANINGS[code] };
}

/** The exit code for an error a command threw. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.USAGE;
  if (!(error instanceof SessionError)) return EXIT.FAILURE;
  if (error.code === "ERR_CONFIG" || error.code === "ERR_SEAL_VALUE") return EXIT.CONFIG;
  if (error.code === "ERR_SESSION_TOO_LARGE" || error.code.startsWith("ERR_STORE_")) return EXIT.FAILURE;
  return EXIT.INVALID_TOKEN;
}
