import { SessionError } from "../errors.ts";
import { isBase64url, isHex } from "./encoding.ts";
import { ALGORITHMS, type ResolvedSealOptions } from "./options.ts";
import { EXPIRATION_FIELD } from "./seal.ts";

// The cheap checks of a token, run before any key work: a malformed or expired
// token is refused for the price of a few string tests.

const FIELD = { id: /^\w*$/, expiration: EXPIRATION_FIELD } as const;
export const HMAC_LENGTH = 43;
const MAX_SALT_LENGTH = 1024;

/**
 * Why a token's fields have the wrong length or alphabet (`ERR_SEAL_FORMAT`),
 * or undefined. Returned, not thrown: a throw costs V8 a message with its
 * source location, more than every check here together.
 */
export function shapeError(
  id: string,
  encSalt: string,
  ivText: string,
  cipherText: string,
  expText: string,
  macSalt: string,
  mac: string,
  options: ResolvedSealOptions,
): SessionError | undefined {
  if (!FIELD.id.test(id)) return formatError("invalid password id");
  if (encSalt.length > MAX_SALT_LENGTH || !isHex(encSalt)) return formatError("invalid encryption salt");
  if (macSalt.length > MAX_SALT_LENGTH || !isHex(macSalt)) return formatError("invalid integrity salt");
  const ivBytes = ALGORITHMS[options.encryption.algorithm].ivBytes;
  if (ivText.length !== Math.ceil((ivBytes * 4) / 3) || !isBase64url(ivText)) return formatError("invalid iv");
  if (cipherText.length === 0 || !isBase64url(cipherText)) return formatError("invalid ciphertext");
  if (options.encryption.algorithm === "aes-256-cbc" && Math.floor((cipherText.length * 3) / 4) % 16 !== 0) {
    return formatError("ciphertext is not whole blocks");
  }
  if (!FIELD.expiration.test(expText)) return formatError("invalid expiration");
  if (mac.length !== HMAC_LENGTH || !isBase64url(mac)) return formatError("invalid mac");
  return undefined;
}

/** Why a token's own expiration has passed, with the clock skew allowed (`ERR_SEAL_EXPIRED`), or undefined. */
export function expirationError(
  expiration: number | undefined,
  now: number,
  options: ResolvedSealOptions,
): SessionError | undefined {
  if (expiration !== undefined && expiration <= now - options.timestampSkewSec * 1000) {
    return new SessionError("ERR_SEAL_EXPIRED", "the seal has expired");
  }
  return undefined;
}

/** The error of a token that is not an iron seal. */
export function formatError(reason: string): SessionError {
  return new SessionError("ERR_SEAL_FORMAT", `not a valid seal: ${reason}`);
}
