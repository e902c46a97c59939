import { SessionError } from "../errors.ts";
import { getOrAdd } from "../memo.ts";
import type { CryptoBackend, MaybePromise } from "./backend.ts";
import { cloneJson, parseSafe } from "./json.ts";
import { LruCache } from "./lru.ts";
import { andThen, isAsync } from "./maybe-promise.ts";
import { type ResolvedSealOptions, resolveSealOptions } from "./options.ts";
import { type PasswordInput, type PasswordSet, toPasswordSet } from "./password.ts";
import { backendFor } from "./platform.ts";
import type { SealCallOptions } from "./seal.ts";
import { expirationError, formatError, HMAC_LENGTH } from "./token-shape.ts";
import { macError, type UnsealResult, verify } from "./verify.ts";

export type { UnsealResult } from "./verify.ts";

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

/**
 * A verified token in the cache, keyed by its MAC (hashing 43 characters, not
 * the whole token); the token must match. It keeps the plaintext, not the value
 * handed to the first caller (who may change it), and parses its own copy on
 * the first hit: a token seen once costs no copy at all.
 */
interface Entry {
  readonly token: string;
  readonly text: string;
  readonly passwordId: string;
  readonly expiration: number | undefined;
  readonly legacy: boolean;
  readonly rotated: boolean;
  readonly untagged: boolean;
  /** The cache's own parse of `text`; each hit gets a copy. */
  parsed?: unknown;
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
  // Stryker disable next-line MethodExpression,UnaryOperator: any key that finds the entry will do; a hit compares the whole token.
  const key = token.slice(-HMAC_LENGTH);
  const fallback = (extra.legacyFallback ?? true) && options.integrity.iterations !== 1;
  const hit = cache.get(key);
  if (hit?.token === token) {
    // Verified once through the 1-iteration fallback: not acceptable to a caller that turned it off.
    if (hit.legacy && !fallback) return macError();
    const expired = expirationError(hit.expiration, now, options);
    if (expired) return expired;
    // Parsed once (a null payload each time, harmlessly): copying parsed JSON is several times cheaper than parsing.
    hit.parsed ??= parseSafe(hit.text);
    const { passwordId, expiration, legacy, rotated, untagged } = hit;
    return { value: cloneJson(hit.parsed), passwordId, expiration, legacy, rotated, untagged };
  }
  return andThen(verify(backend, token, set, options, fallback, now), (result) => {
    if (result instanceof SessionError) return result;
    const { value, text, passwordId, expiration, legacy, rotated, untagged } = result;
    if (token.length <= VERIFIED_MAX_TOKEN) {
      cache.set(key, { token, text, passwordId, expiration, legacy, rotated, untagged });
    }
    // The plaintext stays inside: callers get the same fields from a hit and a miss.
    return { value, passwordId, expiration, legacy, rotated, untagged };
  });
}

function verifiedCache(set: PasswordSet, options: ResolvedSealOptions): LruCache<string, Entry> {
  const perSet = getOrAdd(verified, set, () => new WeakMap<ResolvedSealOptions, LruCache<string, Entry>>());
  return getOrAdd(perSet, options, () => new LruCache<string, Entry>(VERIFIED_CACHE_SIZE));
}
