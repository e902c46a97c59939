import { SessionError } from "../errors.ts";
import { isBase64url, isHex } from "./encoding.ts";
import { ALGORITHMS, type ResolvedSealOptions } from "./options.ts";
import { EXPIRATION_FIELD } from "./seal.ts";

// The cheap checks of a token, run before any key work: a malformed or expired
// token is refused for the price of a few string tests.

const FIELD = { id: /^\w*$/, expiration: EXPIRATION_FIELD } as const;
export const HMAC_LENGTH = 43;
const MAX_SALT_LENGTH = 1024;

/** Refuses a token whose fields have the wrong length or alphabet (`ERR_SEAL_FORMAT`). */
export function checkShape(
  id: string,
  encSalt: string,
  ivText: string,
  cipherText: string,
  expText: string,
  macSalt: string,
  mac: string,
  options: ResolvedSealOptions,
): void {
  if (!FIELD.id.test(id)) throw formatError("invalid password id");
  if (encSalt.length > MAX_SALT_LENGTH || !isHex(encSalt)) throw formatError("invalid encryption salt");
  if (macSalt.length > MAX_SALT_LENGTH || !isHex(macSalt)) throw formatError("invalid integrity salt");
  const ivBytes = ALGORITHMS[options.encryption.algorithm].ivBytes;
  if (ivText.length !== Math.ceil((ivBytes * 4) / 3) || !isBase64url(ivText)) throw formatError("invalid iv");
  if (cipherText.length === 0 || !isBase64url(cipherText)) throw formatError("invalid ciphertext");
  if (options.encryption.algorithm === "aes-256-cbc" && Math.floor((cipherText.length * 3) / 4) % 16 !== 0) {
    throw formatError("ciphertext is not whole blocks");
  }
  if (!FIELD.expiration.test(expText)) throw formatError("invalid expiration");
  if (mac.length !== HMAC_LENGTH || !isBase64url(mac)) throw formatError("invalid mac");
}

/** Refuses a token whose own expiration has passed, with the clock skew allowed (`ERR_SEAL_EXPIRED`). */
export function checkExpiration(expiration: number | undefined, now: number, options: ResolvedSealOptions): void {
  if (expiration !== undefined && expiration <= now - options.timestampSkewSec * 1000) {
    throw new SessionError("ERR_SEAL_EXPIRED", "the seal has expired");
  }
}

/** The error of a token that is not an iron seal. */
export function formatError(reason: string): SessionError {
  return new SessionError("ERR_SEAL_FORMAT", `not a valid seal: ${reason}`);
}
