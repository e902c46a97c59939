import { SessionError } from "../errors.ts";
import type { CryptoBackend, KeyHandle, MaybePromise } from "./backend.ts";
import { holdBudget, limiterFor, type Release } from "./budget.ts";
import { constantTimeEqual } from "./encoding.ts";
import { hasKey, keyFor, rememberKey, restoreWindowKeys } from "./keys.ts";
import { andThen, isAsync } from "./maybe-promise.ts";
import { decrypt, parseOrThrow } from "./open-payload.ts";
import type { ResolvedSealOptions } from "./options.ts";
import { assertPasswordLength, candidatesFor, type NormalizedPassword, type PasswordSet } from "./password.ts";
import { MAC_PREFIX } from "./seal.ts";
import { claimsTag, hasValidTags, wouldTag } from "./tags.ts";
import { expirationError, formatError, shapeError } from "./token-shape.ts";

// The full check of a token: fields, expiry, password, salt tags, the
// derivation budget, MAC, decryption. unseal.ts puts the verified-token cache
// and the public functions in front of it.

/** What {@link unsealDetailed} learns about a token besides its value. */
export interface UnsealResult {
  readonly value: unknown;
  /** Id of the password that opened the token ("" for an id-less seal). */
  readonly passwordId: string;
  /** Expiration written in the token (ms since epoch), if any. */
  readonly expiration: number | undefined;
  /** True when the token was opened by the 1-iteration fallback and should be resealed. */
  readonly legacy: boolean;
  /** True when the token was opened by a password other than the one that seals now. */
  readonly rotated: boolean;
  /**
   * True when its salts carry no tag of this library (h3, iron-session, an older
   * version) though a seal made now would: reseal it, and its next visit costs
   * no derivation budget.
   */
  readonly untagged: boolean;
}

/** What {@link verify} gives: the result and the plaintext it was parsed from (for the verified-token cache). */
export interface VerifiedToken extends UnsealResult {
  readonly text: string;
}

/**
 * The full check of a token this process has not verified yet (the caller
 * caches what passes). Synchronous as long as no key has to be awaited (every key cached,
 * or the Node backend's 1-iteration keys), and a refusal is returned, not
 * thrown: a throw costs V8 a message with its source location and a rejected
 * promise costs Node's unhandled-rejection bookkeeping, more than the checks.
 * The steps are closures over the token's fields, so a Worker bundle carries
 * no field names for them.
 */
export function verify(
  backend: CryptoBackend,
  token: string,
  set: PasswordSet,
  options: ResolvedSealOptions,
  fallback: boolean,
  now: number,
): MaybePromise<VerifiedToken | SessionError> {
  const parts = token.split("*");
  if (parts.length !== 8) return formatError("a seal has 8 fields");
  const [prefix, id, encSalt, ivText, cipherText, expText, macSalt, mac] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (prefix !== MAC_PREFIX) return formatError("wrong prefix");
  const malformed = shapeError(id, encSalt, ivText, cipherText, expText, macSalt, mac, options);
  if (malformed) return malformed;
  const expiration = expText ? Number(expText) : undefined;
  const expired = expirationError(expiration, now, options);
  if (expired) return expired;

  const candidates = candidatesFor(set, id);
  if (candidates.length === 0) {
    return new SessionError("ERR_SEAL_PASSWORD_ID", "no configured password matches the seal's password id");
  }
  const base = token.slice(0, token.length - macSalt.length - mac.length - 2);
  const configured = options.integrity.iterations;
  const tagged = claimsTag(encSalt, macSalt);
  if (tagged && !hasKey(backend, set.primary.integrity, macSalt, configured, "sha256")) {
    restoreWindowKeys(backend, set.primary, options, encSalt, macSalt);
  }
  // Not ours (h3, vinxi, iron-session, an older version, or forged): the cheap 1-iteration keys first.
  const order = !fallback ? [configured] : tagged ? [configured, 1] : [1, configured];

  /** Tries the (iteration count, password) pairs from `from` on, synchronously until a key must be awaited. */
  const attempt = (owners: readonly NormalizedPassword[], from: number): MaybePromise<VerifiedToken | SessionError> => {
    for (let pair = from; pair < order.length * owners.length; pair++) {
      const iterations = order[Math.floor(pair / owners.length)] as number;
      const candidate = owners[pair % owners.length] as NormalizedPassword;
      // Key bytes take no iteration count: their MAC passes at every count, so only the configured one is tried.
      // A pass at 1 would call an ordinary seal legacy and decrypt a string encryption secret at 1 iteration.
      if (candidate.integrity instanceof Uint8Array && iterations !== configured) continue;
      const known = hasKey(backend, candidate.integrity, macSalt, iterations, "sha256");
      // An untagged salt's key is derived outside the cache and kept only once
      // its MAC passes: random salts of forgeries must not evict real keys.
      const cached = tagged || known;
      // Untagged salts spend the derivation budget (1-iteration keys a larger one of their
      // own), so a flood of forgeries cannot take the CPU.
      let release: Release | undefined;
      if (!cached) {
        release = limiterFor(options.derivationBudget, iterations === 1).acquire();
        if (!release) return new SessionError("ERR_SEAL_BUSY", "too many untagged seals to verify right now");
      }
      // A seal of ours whose keys this process lacks (a restart): other derivations wait for it.
      const held = tagged && !known ? holdBudget() : undefined;
      if (held && iterations === configured && typeof candidate.encryption === "string") {
        // The tags proved these salts ours: derive the encryption key beside the
        // integrity key (two pool threads), so a restart's first visits wait half as long.
        void keyFor(
          backend,
          candidate.encryption,
          encSalt,
          options.encryption.iterations,
          options.encryption.algorithm,
        );
      }
      const abandon = (error: unknown) => {
        release?.(false);
        held?.();
        return error;
      };
      /** After this pair's MAC: undefined to try the next pair, else decrypt and finish. */
      const afterMac = (opened: Opened | undefined): MaybePromise<VerifiedToken> | undefined => {
        const matched = opened !== undefined && constantTimeEqual(opened.digest, mac);
        // The budget learns whether derivations pay off: forgeries shrink it, migrating users grow it.
        release?.(matched);
        if (!matched || opened === undefined) {
          held?.();
          return undefined;
        }
        if (!cached) rememberKey(backend, candidate.integrity, macSalt, iterations, "sha256", opened.key);
        const legacy = iterations !== configured;
        const finish = (text: string): VerifiedToken => ({
          value: parseOrThrow(text),
          text,
          passwordId: candidate.id,
          expiration,
          legacy,
          rotated: candidate !== set.primary,
          untagged: !tagged && wouldTag(set.primary, options.encryption.saltBits, options.integrity.saltBits),
        });
        let text: MaybePromise<string>;
        try {
          text = decrypt(
            backend,
            candidate,
            encSalt,
            legacy ? 1 : options.encryption.iterations,
            ivText,
            cipherText,
            options,
          );
        } catch (error) {
          held?.();
          throw error;
        }
        if (isAsync(text))
          return Promise.resolve(text)
            .then(finish)
            .finally(() => held?.());
        held?.();
        return finish(text);
      };
      let opened: MaybePromise<Opened | undefined>;
      try {
        opened = macDigest(backend, candidate, macSalt, iterations, base, options, cached);
      } catch (error) {
        throw abandon(error);
      }
      if (isAsync(opened)) {
        return Promise.resolve(opened).then(
          (result) => afterMac(result) ?? attempt(owners, pair + 1),
          (error: unknown) => {
            throw abandon(error);
          },
        );
      }
      const outcome = afterMac(opened);
      if (outcome) return outcome;
    }
    return macError();
  };

  if (!tagged) return attempt(candidates, 0);
  // Claims to be ours: one HMAC per candidate decides, before any derivation.
  for (const candidate of candidates) {
    // As the MAC check would: a too-short password is a configuration error, whatever the token.
    assertPasswordLength(candidate, options.encryption.minPasswordlength, options.integrity.minPasswordlength);
  }
  const owners = withValidTags(backend, candidates, encSalt, macSalt, configured);
  const next = (found: readonly NormalizedPassword[]) => (found.length === 0 ? macError() : attempt(found, 0));
  return isAsync(owners) ? Promise.resolve(owners).then(next) : next(owners);
}

type Opened = { digest: string; key: KeyHandle };

export function macError(): SessionError {
  return new SessionError("ERR_SEAL_MAC", "the seal's integrity check failed");
}

/**
 * The candidates whose tag key made these salts, in order. A candidate whose
 * key for these salts is cached skips the check: the tags only guard the
 * derivation, and the MAC decides at the same cost. Synchronous on Node, so a
 * real seal holds the budget (see holdBudget) before any other request runs.
 */
function withValidTags(
  backend: CryptoBackend,
  candidates: readonly NormalizedPassword[],
  encSalt: string,
  macSalt: string,
  iterations: number,
): MaybePromise<readonly NormalizedPassword[]> {
  // The usual case, one password whose key for this salt is cached: no arrays, no closures.
  if (candidates.length === 1 && hasKey(backend, candidates[0]!.integrity, macSalt, iterations, "sha256")) {
    return candidates;
  }
  const checks = candidates.map((candidate) =>
    hasKey(backend, candidate.integrity, macSalt, iterations, "sha256")
      ? true
      : hasValidTags(backend, candidate, encSalt, macSalt),
  );
  const pick = (valid: readonly boolean[]) => candidates.filter((_, i) => valid[i]);
  // isAsync, not instanceof: WebCrypto may answer with promises of another realm (Next.js Edge).
  return checks.some((check) => isAsync(check)) ? Promise.all(checks).then(pick) : pick(checks as boolean[]);
}

/**
 * The MAC this password gives the token and the key that made it, or
 * undefined when it cannot apply. `cached`: take the key from the cache (and
 * leave it there); otherwise derive it without caching.
 */
function macDigest(
  backend: CryptoBackend,
  password: NormalizedPassword,
  salt: string,
  iterations: number,
  base: string,
  options: ResolvedSealOptions,
  cached: boolean,
): MaybePromise<{ digest: string; key: KeyHandle } | undefined> {
  assertPasswordLength(password, options.encryption.minPasswordlength, options.integrity.minPasswordlength);
  const secret = password.integrity;
  // A key-bytes password carries no salt; a salted token cannot be meant for it.
  if (secret instanceof Uint8Array !== (salt === "")) return undefined;
  const key =
    cached || secret instanceof Uint8Array
      ? keyFor(backend, secret, salt, iterations, "sha256")
      : backend.deriveKey(secret, salt, iterations, "sha256");
  return andThen(key, (k) => andThen(backend.hmac(k, base), (digest) => ({ digest, key: k })));
}
