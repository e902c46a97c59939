import type { WarningCode } from "./types.ts";

const warned = new Set<WarningCode>();

/** Reports a likely mistake once per process, through `onWarning` or `console.warn`. */
export function warnOnce(
  onWarning: ((message: string, code: WarningCode) => void) | undefined,
  code: WarningCode,
  message: string,
): void {
  if (warned.has(code)) return;
  warned.add(code);
  if (onWarning) onWarning(message, code);
  else console.warn(message);
}

/** Forgets which warnings were given (for tests). */
export function resetWarnings(): void {
  warned.clear();
}

const SAMPLES = ["password", "secret", "changeme", "example", "your", "some_not_random", "complex_password", "xxxx"];

/** Why a password looks weak, or undefined. Never includes the password itself. */
export function weakPasswordReason(secret: string | Uint8Array): string | undefined {
  if (typeof secret !== "string") return undefined;
  const lower = secret.toLowerCase();
  if (SAMPLES.some((sample) => lower.includes(sample)))
    return "looks like a sample from documentation; generate one with `npx sealed-session keygen`";
  if (new Set(secret).size < 12) return "has little entropy (few distinct characters)";
  return undefined;
}
