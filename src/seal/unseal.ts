import { SessionError } from "../errors.ts";
import { getOrAdd } from "../memo.ts";
import type { CryptoBackend, KeyHandle, MaybePromise } from "./backend.ts";
import { holdBudget, limiterFor, type Release } from "./budget.ts";
import { constantTimeEqual } from "./encoding.ts";
import { cloneJson } from "./json.ts";
import { hasKey, keyFor, rememberKey } from "./keys.ts";
import { LruCache } from "./lru.ts";
import { andThen, isAsync } from "./maybe-promise.ts";
import { decrypt, parseOrThrow } from "./open-payload.ts";
import { type ResolvedSealOptions, resolveSealOptions } from "./options.ts";
import {
  assertPasswordLength,
  candidatesFor,
  type NormalizedPassword,
  type PasswordInput,
  type PasswordSet,
  toPasswordSet,
} from "./password.ts";
import { backendFor } from "./platform.ts";
import { MAC_PREFIX, type SealCallOptions } from "./seal.ts";
import { claimsTag, hasValidTags, wouldTag } from "./tags.ts";
import { expirationError, formatError, HMAC_LENGTH, shapeError } from "./token-shape.ts";

/**
 * Options of {@link unseal}: the seal options the token was made with, plus
 * the fallback and size cap.
 *
 * @example
 * const options: UnsealCallOptions = { legacyFallback: false, maxLength: 8 * 1024 };
 * const value = await unseal(token, password, options);
 */
export interface UnsealCallOptions extends SealCallOptions {
  /**
   * On a MAC failure, try once more with 1 PBKDF2 iteration, the setting of
   * h3 v1, vinxi, iron-session and nuxt-auth-utils. Default: `true`.
   */
  legacyFallback?: boolean;
  /** Longest token accepted, in characters. Default: 1 MiB. */
  maxLength?: number;
}

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

export const DEFAULT_MAX_TOKEN_LENGTH = 1024 * 1024;
const VERIFIED_CACHE_SIZE = 1000;
const VERIFIED_MAX_TOKEN = 16 * 1024;

/**
 * Opens an iron string sealed by this library, `@hapi/iron`, `iron-webcrypto`,
 * h3 or iron-session (without its `~2` suffix). Throws a {@link SessionError}
 * whose `code` says why it failed. On a MAC failure it retries once with
 * 1 iteration unless `legacyFallback: false`.
 *
 * @example
 * const value = await unseal(token, [newPassword, { id: "old", secret: oldPassword }]);
 */
export async function unseal(token: string, password: PasswordInput, options?: UnsealCallOptions): Promise<unknown> {
  const result = await unsealDetailed(backendFor(options?.crypto), token, password, resolveSealOptions(options), {
    legacyFallback: options?.legacyFallback,
    maxLength: options?.maxLength,
  });
  return result.value;
}

interface Verified {
  /** The parsed payload, never handed out: each hit gets its own copy. */
  readonly value: unknown;
  readonly passwordId: string;
  readonly expiration: number | undefined;
  readonly legacy: boolean;
  readonly rotated: boolean;
  readonly untagged: boolean;
}

/** A cache entry, keyed by the token's MAC (hashing 43 characters, not the whole token); the token must match. */
interface Entry {
  readonly token: string;
  readonly verified: Verified;
}

const verified = new WeakMap<PasswordSet, WeakMap<ResolvedSealOptions, LruCache<string, Entry>>>();

/**
 * {@link unseal} with an explicit backend and resolved options, reporting which
 * password opened the token. Tokens already verified by this process are
 * answered synchronously from a bounded cache (expiration is still checked on
 * every call), so a returning cookie costs a map lookup and a JSON parse; a
 * token seen for the first time returns a promise only when a key must be
 * awaited (a new salt, or WebCrypto). Bad input throws at once.
 */
export function unsealDetailed(
  backend: CryptoBackend,
  token: string,
  password: PasswordInput,
  options: ResolvedSealOptions,
  extra: UnsealExtra = {},
): UnsealResult | Promise<UnsealResult> {
  const opened = openToken(backend, token, password, options, extra);
  return isAsync(opened) ? Promise.resolve(opened).then(orThrow) : orThrow(opened);
}

/** Options of {@link unsealDetailed} and {@link openToken} beyond the seal options. */
export interface UnsealExtra {
  legacyFallback?: boolean | undefined;
  maxLength?: number | undefined;
}

function orThrow(opened: UnsealResult | SessionError): UnsealResult {
  if (opened instanceof SessionError) throw opened;
  return opened;
}

/**
 * {@link unsealDetailed} for the request path: a refusal of the token (a
 * forged, expired or foreign cookie) is returned as a `SessionError`, not
 * thrown. A throw costs V8 a message with its source location, several
 * microseconds: the most a forged cookie cost before this.
 */
export function openToken(
  backend: CryptoBackend,
  token: string,
  password: PasswordInput,
  options: ResolvedSealOptions,
  extra: UnsealExtra = {},
): MaybePromise<UnsealResult | SessionError> {
  const now = Date.now() + options.localtimeOffsetMsec;
  if (typeof token !== "string") return formatError("token is not a string");
  if (token.length > (extra.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH)) return formatError("token is too long");
  const set = toPasswordSet(password);
  const cache = verifiedCache(set, options);
  const key = token.slice(-HMAC_LENGTH);
  const fallback = (extra.legacyFallback ?? true) && options.integrity.iterations !== 1;
  const hit = cache.get(key);
  if (hit?.token === token) {
    // Verified once through the 1-iteration fallback: not acceptable to a caller that turned it off.
    if (hit.verified.legacy && !fallback) return macError();
    const expired = expirationError(hit.verified.expiration, now, options);
    if (expired) return expired;
    const { passwordId, expiration, legacy, rotated, untagged } = hit.verified;
    // Copying parsed JSON is several times cheaper than parsing it again.
    return { value: cloneJson(hit.verified.value), passwordId, expiration, legacy, rotated, untagged };
  }
  return verify(backend, token, set, options, cache, key, fallback, now);
}

/** A token under its full check: its fields, and what the check has learned so far. */
interface Check {
  readonly backend: CryptoBackend;
  readonly token: string;
  readonly set: PasswordSet;
  readonly options: ResolvedSealOptions;
  readonly cache: LruCache<string, Entry>;
  readonly key: string;
  readonly encSalt: string;
  readonly ivText: string;
  readonly cipherText: string;
  readonly macSalt: string;
  readonly mac: string;
  /** What the MAC covers: the token up to its integrity salt. */
  readonly base: string;
  readonly expiration: number | undefined;
  readonly tagged: boolean;
  /** Iteration counts to try, in order. */
  readonly order: readonly number[];
}

/** "Try the next password or iteration count." */
const NEXT = Symbol("next");

/**
 * The full check of a token this process has not verified yet; caches what
 * passes. Synchronous as long as no key has to be awaited (every key cached,
 * or the Node backend's 1-iteration keys), so a refusal throws at once rather
 * than rejecting a promise, which Node's unhandled-rejection bookkeeping makes
 * cost more than the refusal itself.
 */
function verify(
  backend: CryptoBackend,
  token: string,
  set: PasswordSet,
  options: ResolvedSealOptions,
  cache: LruCache<string, Entry>,
  key: string,
  fallback: boolean,
  now: number,
): MaybePromise<UnsealResult | SessionError> {
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
  const configured = options.integrity.iterations;
  const tagged = claimsTag(encSalt, macSalt);
  // Not ours (h3, vinxi, iron-session, an older version, or forged): the cheap 1-iteration keys first.
  const order = !fallback ? [configured] : tagged ? [configured, 1] : [1, configured];
  const check: Check = {
    backend,
    token,
    set,
    options,
    cache,
    key,
    encSalt,
    ivText,
    cipherText,
    macSalt,
    mac,
    base: token.slice(0, token.length - macSalt.length - mac.length - 2),
    expiration,
    tagged,
    order,
  };
  if (!tagged) return attempt(check, candidates, 0);
  // Claims to be ours: one HMAC per candidate decides, before any derivation.
  for (const candidate of candidates) {
    // As the MAC check would: a too-short password is a configuration error, whatever the token.
    assertPasswordLength(candidate, options.encryption.minPasswordlength, options.integrity.minPasswordlength);
  }
  const owners = withValidTags(backend, candidates, encSalt, macSalt, configured);
  const next = (found: readonly NormalizedPassword[]) => (found.length === 0 ? macError() : attempt(check, found, 0));
  return isAsync(owners) ? Promise.resolve(owners).then(next) : next(owners);
}

function macError(): SessionError {
  return new SessionError("ERR_SEAL_MAC", "the seal's integrity check failed");
}

/**
 * Tries the (iteration count, password) pairs from pair `from` on, in order,
 * synchronously until a key has to be awaited; then the rest follows that key.
 */
function attempt(
  check: Check,
  owners: readonly NormalizedPassword[],
  from: number,
): MaybePromise<UnsealResult | SessionError> {
  const { backend, options, macSalt, tagged } = check;
  const pairs = check.order.length * owners.length;
  for (let pair = from; pair < pairs; pair++) {
    const iterations = check.order[Math.floor(pair / owners.length)] as number;
    const candidate = owners[pair % owners.length] as NormalizedPassword;
    const known = hasKey(backend, candidate.integrity, macSalt, iterations, "sha256");
    // An untagged salt's key is derived outside the cache and kept only once
    // its MAC passes: random salts of forgeries must not evict real keys.
    const cached = tagged || known;
    // Untagged salts spend the derivation budget, so a flood of forgeries cannot take the CPU.
    let release: Release | undefined;
    if (!cached && iterations > 1) {
      release = limiterFor(options.derivationBudget).acquire();
      if (!release) return new SessionError("ERR_SEAL_BUSY", "too many untagged seals to verify right now");
    }
    // A seal of ours whose keys this process lacks (a restart): other derivations wait for it.
    const held = tagged && !known ? holdBudget() : undefined;
    if (held && iterations === options.integrity.iterations && typeof candidate.encryption === "string") {
      // The tags proved these salts ours: derive the encryption key beside the
      // integrity key (two pool threads), so a restart's first visits wait half as long.
      void keyFor(
        backend,
        candidate.encryption,
        check.encSalt,
        options.encryption.iterations,
        options.encryption.algorithm,
      );
    }
    const step: Step = { iterations, candidate, cached, release, held };
    let opened: MaybePromise<Opened | undefined>;
    try {
      opened = macDigest(backend, candidate, macSalt, iterations, check.base, options, cached);
    } catch (error) {
      throw abandon(step, error);
    }
    if (isAsync(opened)) {
      return Promise.resolve(opened).then(
        (result) => {
          const outcome = afterMac(check, step, result);
          return outcome === NEXT ? attempt(check, owners, pair + 1) : outcome;
        },
        (error: unknown) => {
          throw abandon(step, error);
        },
      );
    }
    const outcome = afterMac(check, step, opened);
    if (outcome !== NEXT) return outcome;
  }
  return macError();
}

/** One (iteration count, password) pair under test, and what it holds of the budget. */
interface Step {
  readonly iterations: number;
  readonly candidate: NormalizedPassword;
  readonly cached: boolean;
  readonly release: Release | undefined;
  readonly held: (() => void) | undefined;
}

type Opened = { digest: string; key: KeyHandle };

/** Gives back what a failed step held; returns the error to throw. */
function abandon(step: Step, error: unknown): unknown {
  step.release?.(false);
  step.held?.();
  return error;
}

/** After a pair's MAC: on to the next pair, or decrypt and finish. */
function afterMac(check: Check, step: Step, opened: Opened | undefined): MaybePromise<UnsealResult> | typeof NEXT {
  const matched = opened !== undefined && constantTimeEqual(opened.digest, check.mac);
  // The budget learns whether derivations pay off: forgeries shrink it, migrating users grow it.
  step.release?.(matched);
  if (!matched || opened === undefined) {
    step.held?.();
    return NEXT;
  }
  const { backend, options, macSalt } = check;
  const { iterations, candidate } = step;
  if (!step.cached) rememberKey(backend, candidate.integrity, macSalt, iterations, "sha256", opened.key);
  const legacy = iterations !== options.integrity.iterations;
  const encIterations = legacy ? 1 : options.encryption.iterations;
  let text: MaybePromise<string>;
  try {
    text = decrypt(backend, candidate, check.encSalt, encIterations, check.ivText, check.cipherText, options);
  } catch (error) {
    step.held?.();
    throw error;
  }
  if (isAsync(text)) {
    return Promise.resolve(text)
      .then((plain) => finish(check, candidate, legacy, plain))
      .finally(() => step.held?.());
  }
  step.held?.();
  return finish(check, candidate, legacy, text);
}

/** Parses the verified payload, caches it, and answers. */
function finish(check: Check, candidate: NormalizedPassword, legacy: boolean, text: string): UnsealResult {
  const value = parseOrThrow(text);
  const { set, options, token } = check;
  const found = {
    passwordId: candidate.id,
    expiration: check.expiration,
    legacy,
    rotated: candidate !== set.primary,
    untagged: !check.tagged && wouldTag(set.primary, options.encryption.saltBits, options.integrity.saltBits),
  };
  // The cache keeps its own copy: the caller may change `value`.
  if (token.length <= VERIFIED_MAX_TOKEN)
    check.cache.set(check.key, { token, verified: { ...found, value: cloneJson(value) } });
  return { ...found, value };
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

function verifiedCache(set: PasswordSet, options: ResolvedSealOptions): LruCache<string, Entry> {
  const perSet = getOrAdd(verified, set, () => new WeakMap<ResolvedSealOptions, LruCache<string, Entry>>());
  return getOrAdd(perSet, options, () => new LruCache<string, Entry>(VERIFIED_CACHE_SIZE));
}
