import { checkNumber, checkOneOf } from "../config-checks.ts";
import { type DerivationBudget, defaultBudget } from "./budget.ts";

/**
 * Encryption algorithms of the iron format. `aes-256-cbc` is the default;
 * `aes-128-ctr` needs a 16-byte key when the password is a `Uint8Array`.
 *
 * @example
 * const algorithm: EncryptionAlgorithm = "aes-128-ctr";
 * const token = await seal(value, password, { encryption: { algorithm } });
 */
export type EncryptionAlgorithm = "aes-256-cbc" | "aes-128-ctr";

/**
 * Options of one half of the seal (encryption or integrity), as in iron.
 *
 * @example
 * const encryption: Partial<KeyOptions<EncryptionAlgorithm>> = { iterations: 1, saltBits: 128 };
 * const token = await seal(value, password, { encryption, integrity: { iterations: 1 } });
 */
export interface KeyOptions<A extends string> {
  /** Bits of random salt for PBKDF2; the hex text of the salt is the PBKDF2 salt. */
  saltBits: number;
  algorithm: A;
  /** PBKDF2-SHA1 iterations. */
  iterations: number;
  /** Shortest accepted password string. */
  minPasswordlength: number;
}

/**
 * Every option of the iron format, fully resolved: the shape of
 * {@link DEFAULT_SEAL_OPTIONS}.
 *
 * @example
 * const { encryption, ttl }: ResolvedSealOptions = DEFAULT_SEAL_OPTIONS;
 * console.log(encryption.algorithm, encryption.iterations, ttl); // "aes-256-cbc" 8192 0
 */
export interface ResolvedSealOptions {
  encryption: KeyOptions<EncryptionAlgorithm>;
  integrity: KeyOptions<"sha256">;
  /** Lifetime of the seal in milliseconds; 0 seals without expiration. */
  ttl: number;
  /** Clock skew tolerated on incoming expirations, in seconds. */
  timestampSkewSec: number;
  /** Offset added to the local clock, in milliseconds. */
  localtimeOffsetMsec: number;
  /**
   * How long, in milliseconds, the sealing side reuses one salt pair (and so its
   * derived keys). Every seal still gets a fresh random IV. 0 derives new keys
   * for every seal, as iron does.
   */
  saltReuseMs: number;
  /** PBKDF2 work allowed for tokens whose salts this library did not tag (see {@link DerivationBudget}). */
  derivationBudget: DerivationBudget;
}

/**
 * Seal options as a caller writes them: any subset, deep-merged over
 * {@link DEFAULT_SEAL_OPTIONS}. `iterations`, `saltBits` and
 * `minPasswordlength` at the top level apply to both halves (a shorthand for
 * the nested iron form); a value in `encryption` or `integrity` wins over it.
 * `ttl` and `localtimeOffsetMsec` are in milliseconds, `timestampSkewSec` in
 * seconds, `saltReuseMs` in milliseconds (0 derives fresh keys for every seal).
 *
 * @example
 * // Cookies that h3 v1 and vinxi can still read during a rollout:
 * const options: SealOptions = { iterations: 1 };
 * // The same in iron's nested form:
 * const nested: SealOptions = { encryption: { iterations: 1 }, integrity: { iterations: 1 } };
 */
export interface SealOptions {
  encryption?: Partial<KeyOptions<EncryptionAlgorithm>>;
  integrity?: Partial<KeyOptions<"sha256">>;
  ttl?: number;
  timestampSkewSec?: number;
  localtimeOffsetMsec?: number;
  saltReuseMs?: number;
  /** Either limit of the untagged-token budget; the other keeps its default (from the core count). */
  derivationBudget?: Partial<DerivationBudget>;
  iterations?: number;
  saltBits?: number;
  minPasswordlength?: number;
}

/**
 * h3 v2's iteration count: strong enough to slow offline guessing of weak passwords.
 *
 * @example
 * const token = await seal(value, password, { iterations: DEFAULT_ITERATIONS });
 */
export const DEFAULT_ITERATIONS = 8192;
/**
 * One minute of salt reuse: steady traffic derives keys once a minute per password.
 *
 * @example
 * // Keep one salt pair for five minutes instead of one:
 * const options: SealOptions = { saltReuseMs: 5 * DEFAULT_SALT_REUSE_MS };
 */
export const DEFAULT_SALT_REUSE_MS = 60_000;

/**
 * The defaults, as h3 v2 ships them, plus this library's salt reuse window:
 * AES-256-CBC and HMAC-SHA256, 256-bit salts, 8192 PBKDF2 iterations,
 * passwords of at least 32 characters, no ttl, 60 s of clock skew, 60 s of
 * salt reuse. Frozen.
 *
 * @example
 * const skewMs = DEFAULT_SEAL_OPTIONS.timestampSkewSec * 1000; // 60000
 */
export const DEFAULT_SEAL_OPTIONS: Readonly<ResolvedSealOptions> = Object.freeze({
  encryption: Object.freeze({
    saltBits: 256,
    algorithm: "aes-256-cbc",
    iterations: DEFAULT_ITERATIONS,
    minPasswordlength: 32,
  }),
  integrity: Object.freeze({
    saltBits: 256,
    algorithm: "sha256",
    iterations: DEFAULT_ITERATIONS,
    minPasswordlength: 32,
  }),
  ttl: 0,
  timestampSkewSec: 60,
  localtimeOffsetMsec: 0,
  saltReuseMs: DEFAULT_SALT_REUSE_MS,
  derivationBudget: Object.freeze(defaultBudget()),
}) as Readonly<ResolvedSealOptions>;

/** Key and IV sizes per algorithm, in bytes. */
export const ALGORITHMS = {
  "aes-256-cbc": { keyBytes: 32, ivBytes: 16 },
  "aes-128-ctr": { keyBytes: 16, ivBytes: 16 },
  sha256: { keyBytes: 32, ivBytes: 0 },
} as const;

/**
 * Longest ttl, about 31,700 years: the expiration field holds at most 16 digits,
 * and now + offset + ttl stays below 1e16 ms, so every seal is readable by its
 * own `unseal`.
 */
const MAX_TTL_MS = 1e15;
/** PBKDF2's iteration count is a signed 32-bit integer in Node and WebCrypto. */
const MAX_ITERATIONS = 2 ** 31 - 1;
/** 4096 bits are 1,024 hex characters, the longest salt `unseal` reads. */
const MAX_SALT_BITS = 4096;
/** Largest clock offset, about 31 years either way: enough for any test clock, keeps "now" positive. */
const MAX_CLOCK_OFFSET_MS = 1e12;

const resolvedCache = new WeakMap<SealOptions, ResolvedSealOptions>();

/** Deep-merges `options` over the defaults and validates the result. */
export function resolveSealOptions(options: SealOptions | undefined): ResolvedSealOptions {
  if (options === undefined) return DEFAULT_SEAL_OPTIONS;
  const cached = resolvedCache.get(options);
  if (cached) return cached;
  const shared = pickDefined({
    iterations: options.iterations,
    saltBits: options.saltBits,
    minPasswordlength: options.minPasswordlength,
  });
  const resolved: ResolvedSealOptions = {
    ...DEFAULT_SEAL_OPTIONS,
    ...pickDefined({
      ttl: options.ttl,
      timestampSkewSec: options.timestampSkewSec,
      localtimeOffsetMsec: options.localtimeOffsetMsec,
      saltReuseMs: options.saltReuseMs,
    }),
    encryption: {
      ...DEFAULT_SEAL_OPTIONS.encryption,
      ...shared,
      ...pickDefined({ ...options.encryption }),
    },
    integrity: { ...DEFAULT_SEAL_OPTIONS.integrity, ...shared, ...pickDefined({ ...options.integrity }) },
    derivationBudget: { ...DEFAULT_SEAL_OPTIONS.derivationBudget, ...pickDefined({ ...options.derivationBudget }) },
  };
  validate(resolved);
  resolvedCache.set(options, resolved);
  return resolved;
}

function validate(o: ResolvedSealOptions): void {
  checkOneOf(o.encryption.algorithm, "seal encryption.algorithm", ["aes-256-cbc", "aes-128-ctr"]);
  checkOneOf(o.integrity.algorithm, "seal integrity.algorithm", ["sha256"]);
  for (const half of [o.encryption, o.integrity]) {
    checkNumber(half.iterations, "seal iterations", 1, MAX_ITERATIONS, true);
    checkNumber(half.saltBits, "seal saltBits", 1, MAX_SALT_BITS, true);
    checkNumber(half.minPasswordlength, "seal minPasswordlength", 0, undefined, true);
  }
  checkNumber(o.ttl, "seal ttl (ms)", 0, MAX_TTL_MS);
  checkNumber(o.timestampSkewSec, "seal timestampSkewSec", 0);
  checkNumber(o.localtimeOffsetMsec, "seal localtimeOffsetMsec", -MAX_CLOCK_OFFSET_MS, MAX_CLOCK_OFFSET_MS);
  checkNumber(o.saltReuseMs, "seal saltReuseMs (0 turns salt reuse off)", 0);
  // Infinity turns a limit off.
  checkNumber(o.derivationBudget.maxInFlight, "seal derivationBudget.maxInFlight", 1, Infinity);
  checkNumber(o.derivationBudget.maxPerSecond, "seal derivationBudget.maxPerSecond", 1, Infinity);
}

function pickDefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
