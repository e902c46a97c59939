import { getOrAdd } from "../memo.ts";
import type { CryptoBackend, KeyHandle, MaybePromise } from "./backend.ts";
import { constantTimeEqual, fromBase64url, hex, utf8 } from "./encoding.ts";
import { andThen, andThenBoth, isAsync } from "./maybe-promise.ts";
import type { NormalizedPassword } from "./password.ts";

/**
 * Salt tags: how this library recognises its own seals before deriving a key.
 *
 * A seal's two salts share a random nonce and each ends in a tag,
 * `salt = nonce ‖ HMAC(k, use ‖ nonce)` (hex, truncated), where `k` comes from
 * the password once. The salts keep iron's hex alphabet and length, so every
 * iron reader still opens the seal. Two salts of independent readers share
 * their nonce half by chance once in 2^128 (at 256 salt bits): sharing it is
 * the token's claim to be ours, and a claim whose tag is wrong costs one HMAC
 * per candidate password to refuse, before any PBKDF2.
 */

const LABEL = "sealed-session salt tag v1";
/** Below 64 bits of salt the nonce would be too short to make a claim unlikely by chance. */
const MIN_TAGGED_HEX = 16;
/** 128 bits of tag: guessing one is no cheaper than guessing the MAC. */
const MAX_TAG_HEX = 32;

/** Hex characters of tag at the end of a salt of this length; 0 when such salts carry none. */
export function tagLength(saltHexLength: number): number {
  if (saltHexLength < MIN_TAGGED_HEX) return 0;
  return Math.min(Math.floor(saltHexLength / 2), MAX_TAG_HEX);
}

/** Hex characters of a salt of `bits` bits, as iron writes it. */
export function saltLength(bits: number): number {
  return Math.ceil(bits / 8) * 2;
}

/** True when a seal made now with this password and these salt sizes would carry tags. */
export function wouldTag(password: NormalizedPassword, encryptionBits: number, integrityBits: number): boolean {
  const length = saltLength(integrityBits);
  return (
    typeof password.encryption === "string" &&
    typeof password.integrity === "string" &&
    saltLength(encryptionBits) === length &&
    tagLength(length) > 0
  );
}

/** True when two salts claim to be ours: same length, long enough, and the same nonce before the tag. */
export function claimsTag(encryptionSalt: string, integritySalt: string): boolean {
  const length = integritySalt.length;
  const tag = tagLength(length);
  if (tag === 0 || encryptionSalt.length !== length) return false;
  return encryptionSalt.startsWith(integritySalt.slice(0, length - tag));
}

const tagKeys = new WeakMap<CryptoBackend, Map<string, MaybePromise<KeyHandle>>>();

/** The tag key of a password, derived once per backend (an HMAC of a fixed label under the integrity secret). */
function tagKey(backend: CryptoBackend, secret: string): MaybePromise<KeyHandle> {
  const perSecret = getOrAdd(tagKeys, backend, () => new Map<string, MaybePromise<KeyHandle>>());
  let key = perSecret.get(secret);
  if (key === undefined) {
    const raw = andThen(backend.importKey(utf8(secret), "sha256"), (outer) => backend.hmac(outer, LABEL));
    key = andThen(raw, (text) => backend.importKey(fromBase64url(text), "sha256"));
    perSecret.set(secret, key);
    // Stryker disable next-line ArrowFunction: the settled key replaces the promise only to save a then; the promise gives the same key.
    if (isAsync(key)) key.then((k) => perSecret.set(secret, k));
  }
  return key;
}

/** The tag of `nonce` for one salt (`use` keeps the two salts' tags apart), `length` hex characters. */
function tagOf(
  backend: CryptoBackend,
  password: NormalizedPassword,
  use: "e" | "m",
  nonce: string,
  length: number,
): MaybePromise<string> | undefined {
  if (typeof password.integrity !== "string") return undefined;
  const key = tagKey(backend, password.integrity);
  const digest = andThen(key, (k) => backend.hmac(k, use + nonce));
  return andThen(digest, (text) => hex(fromBase64url(text).subarray(0, Math.ceil(length / 2))).slice(0, length));
}

/**
 * A pair of tagged salts for a new seal, or undefined when this password or
 * these lengths carry no tags (raw key bytes, unequal or short salts).
 */
export function taggedSalts(
  backend: CryptoBackend,
  password: NormalizedPassword,
  hexLength: number,
  otherHexLength: number,
): MaybePromise<{ encryption: string; integrity: string }> | undefined {
  const tag = tagLength(hexLength);
  if (tag === 0 || hexLength !== otherHexLength || typeof password.encryption !== "string") return undefined;
  const nonceLength = hexLength - tag;
  // Stryker disable next-line ArithmeticOperator: more random bytes than needed, cut to the same length, make the same nonces.
  const nonce = hex(backend.randomBytes(Math.ceil(nonceLength / 2))).slice(0, nonceLength);
  const e = tagOf(backend, password, "e", nonce, tag);
  const m = tagOf(backend, password, "m", nonce, tag);
  if (e === undefined || m === undefined) return undefined;
  return andThenBoth(e, m, (et, mt) => ({ encryption: nonce + et, integrity: nonce + mt }));
}

/**
 * Whether `password` could have made these (claiming) salts: the integrity
 * tag first, the encryption tag only when that one matches.
 */
export function hasValidTags(
  backend: CryptoBackend,
  password: NormalizedPassword,
  encryptionSalt: string,
  integritySalt: string,
): MaybePromise<boolean> {
  const tag = tagLength(integritySalt.length);
  const nonce = integritySalt.slice(0, integritySalt.length - tag);
  const m = tagOf(backend, password, "m", nonce, tag);
  if (m === undefined) return false;
  return andThen(m, (mTag) => {
    if (!constantTimeEqual(mTag, integritySalt.slice(-tag))) return false;
    const e = tagOf(backend, password, "e", nonce, tag);
    return e !== undefined && andThen(e, (eTag) => constantTimeEqual(eTag, encryptionSalt.slice(-tag)));
  });
}
