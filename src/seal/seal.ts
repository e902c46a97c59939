import { configError } from "../errors.ts";
import type { CryptoBackend } from "./backend.ts";
import { base64url } from "./encoding.ts";
import { stringifyStrict } from "./json.ts";
import { sealingKeys } from "./keys.ts";
import { ALGORITHMS, type ResolvedSealOptions, resolveSealOptions, type SealOptions } from "./options.ts";
import { assertPasswordLength, type PasswordInput, toPasswordSet } from "./password.ts";
import { backendFor } from "./platform.ts";

/**
 * The iron format's prefix: `Fe26` and MAC format version 2.
 *
 * @example
 * const looksSealed = cookieValue.startsWith(`${MAC_PREFIX}*`);
 */
export const MAC_PREFIX = "Fe26.2";

/** The expiration field `unseal` accepts: at most 16 digits of milliseconds. */
export const EXPIRATION_FIELD = /^\d{0,16}$/;

/**
 * Options of {@link seal}: iron's options plus an optional WebCrypto to use.
 *
 * @example
 * const options: SealCallOptions = { ttl: 15 * 60_000, crypto: globalThis.crypto };
 */
export interface SealCallOptions extends SealOptions {
  /** Use this WebCrypto implementation instead of the platform's fastest backend. */
  crypto?: Crypto;
}

/**
 * Seals a JSON value into an iron string (`Fe26.2*…`): AES-256-CBC encrypted,
 * HMAC-SHA256 signed, readable by `@hapi/iron`, `iron-webcrypto`, h3 and iron-session.
 * Values that JSON cannot round-trip (cycles, BigInt, `NaN`, functions) are
 * refused with `ERR_SEAL_VALUE`. `ttl` is in milliseconds (default: no expiry).
 *
 * With a list of passwords the first one seals.
 *
 * @example
 * const token = await seal({ userId: 42 }, process.env.SECRET!, { ttl: 60_000 });
 */
export async function seal(value: unknown, password: PasswordInput, options?: SealCallOptions): Promise<string> {
  return sealWith(backendFor(options?.crypto), value, password, resolveSealOptions(options));
}

/** {@link seal} with an explicit backend and resolved options (the session layer's entry). */
export async function sealWith(
  backend: CryptoBackend,
  value: unknown,
  password: PasswordInput,
  options: ResolvedSealOptions,
  // The session layer's per-write ttl, given apart so no options object is copied per seal.
  ttl: number = options.ttl,
): Promise<string> {
  const now = Date.now() + options.localtimeOffsetMsec;
  const text = stringifyStrict(value);
  const { primary } = toPasswordSet(password);
  assertPasswordLength(primary, options.encryption.minPasswordlength, options.integrity.minPasswordlength);
  assertKeyLength(primary.encryption, ALGORITHMS[options.encryption.algorithm].keyBytes);

  // The node backend answers synchronously: await only what is really pending.
  const pendingKeys = sealingKeys(backend, primary, options, now);
  const keys = pendingKeys instanceof Promise ? await pendingKeys : pendingKeys;
  const iv = backend.randomBytes(ALGORITHMS[options.encryption.algorithm].ivBytes);
  const pendingCipher = backend.encrypt(options.encryption.algorithm, keys.encryptionKey, iv, text);
  const encrypted = pendingCipher instanceof Promise ? await pendingCipher : pendingCipher;
  // The format holds whole milliseconds; a fractional ttl or offset would make a seal no one can read.
  const expiration = ttl ? String(Math.ceil(now + ttl)) : "";
  // Options that reach here unvalidated (the session layer's computed ttl) must not write an unreadable seal.
  if (!EXPIRATION_FIELD.test(expiration))
    configError("the seal's expiration is out of range: check ttl and localtimeOffsetMsec");
  const base = `${MAC_PREFIX}*${primary.id}*${keys.encryptionSalt}*${base64url(iv)}*${base64url(encrypted)}*${expiration}`;
  const pendingMac = backend.hmac(keys.integrityKey, base);
  const mac = pendingMac instanceof Promise ? await pendingMac : pendingMac;
  return `${base}*${keys.integritySalt}*${mac}`;
}

function assertKeyLength(secret: string | Uint8Array, keyBytes: number): void {
  if (secret instanceof Uint8Array && secret.length !== keyBytes) {
    // iron uses key bytes as they are; AES accepts only its exact key size.
    configError(`a Uint8Array encryption key must be ${keyBytes} bytes for this algorithm`);
  }
}
