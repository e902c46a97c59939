import { getOrAdd } from "../memo.ts";
import type { CryptoBackend, KeyHandle, KeyUse, MaybePromise } from "./backend.ts";
import { hex } from "./encoding.ts";
import { LruCache } from "./lru.ts";
import { andThenBoth, isAsync } from "./maybe-promise.ts";
import type { ResolvedSealOptions } from "./options.ts";
import type { NormalizedPassword, Secret } from "./password.ts";
import { saltLength, taggedSalts } from "./tags.ts";

/** Salts remembered per secret; 1024 cover many salt windows of many processes. */
const KEY_CACHE_SIZE = 1024;
/** Per backend, per secret (few: they come from configuration), per salt (many: they come from tokens). */
type SaltKeys = Map<string, MaybePromise<KeyHandle>>;
const derived = new WeakMap<CryptoBackend, Map<string, LruCache<string, SaltKeys>>>();
const imported = new WeakMap<CryptoBackend, WeakMap<Uint8Array, Map<KeyUse, MaybePromise<KeyHandle>>>>();

/**
 * The key for (secret, salt, iterations, use), derived at most once while it
 * stays in the LRU. Concurrent callers share one in-flight derivation.
 */
export function keyFor(
  backend: CryptoBackend,
  secret: Secret,
  salt: string,
  iterations: number,
  use: KeyUse,
): MaybePromise<KeyHandle> {
  if (secret instanceof Uint8Array) return importedKey(backend, secret, use);
  const keys = saltKeys(backend, secret, salt);
  const id = keyId(iterations, use);
  const hit = keys.get(id);
  if (hit !== undefined) return hit;
  const key = backend.deriveKey(secret, salt, iterations, use);
  keys.set(id, key);
  if (key instanceof Promise) {
    key.then(
      (value) => keys.set(id, value),
      () => keys.delete(id),
    );
  }
  return key;
}

/** Keeps a key derived outside the cache, once its token proved authentic. */
export function rememberKey(
  backend: CryptoBackend,
  secret: Secret,
  salt: string,
  iterations: number,
  use: KeyUse,
  key: KeyHandle,
): void {
  if (secret instanceof Uint8Array) return;
  const keys = saltKeys(backend, secret, salt);
  const id = keyId(iterations, use);
  if (!keys.has(id)) keys.set(id, key);
}

/** True when the key for (secret, salt, iterations, use) is cached or being derived: asking costs no derivation. */
export function hasKey(backend: CryptoBackend, secret: Secret, salt: string, iterations: number, use: KeyUse): boolean {
  if (secret instanceof Uint8Array) return true;
  const keys = derived.get(backend)?.get(secret)?.get(salt);
  return keys?.has(keyId(iterations, use)) ?? false;
}

/** Key ids made once: a string built per lookup costs the map a fresh hash every time. */
const keyIds = new Map<KeyUse, Map<number, string>>();

function keyId(iterations: number, use: KeyUse): string {
  if (iterations === 1) return use;
  const byCount = getOrAdd(keyIds, use, () => new Map<number, string>());
  return getOrAdd(byCount, iterations, () => `${use}:${iterations}`);
}

/** The cached keys of one salt, created empty on first use. Nested maps: a hit hashes the salt once. */
function saltKeys(backend: CryptoBackend, secret: string, salt: string): SaltKeys {
  const bySecret = getOrAdd(derived, backend, () => new Map<string, LruCache<string, SaltKeys>>());
  const bySalt = getOrAdd(bySecret, secret, () => new LruCache<string, SaltKeys>(KEY_CACHE_SIZE));
  return getOrAdd(bySalt, salt, (): SaltKeys => new Map());
}

/** Salts and keys the sealing side uses until the window closes. */
export interface SealingKeys {
  readonly encryptionSalt: string;
  readonly encryptionKey: KeyHandle;
  readonly integritySalt: string;
  readonly integrityKey: KeyHandle;
}

interface Window {
  readonly keys: MaybePromise<SealingKeys>;
  readonly until: number;
}

const windows = new WeakMap<CryptoBackend, WeakMap<NormalizedPassword, Map<string, Window>>>();

/**
 * Keys for a new seal. Within `saltReuseMs` one salt pair (and so one pair of
 * derived keys) serves every seal under the same password and options; the IV
 * stays random per seal, so reuse costs no confidentiality, and steady traffic
 * derives no keys at all.
 */
export function sealingKeys(
  backend: CryptoBackend,
  password: NormalizedPassword,
  options: ResolvedSealOptions,
  now: number,
): MaybePromise<SealingKeys> {
  if (options.saltReuseMs <= 0) return freshKeys(backend, password, options);
  const perPassword = getOrAdd(windows, backend, () => new WeakMap<NormalizedPassword, Map<string, Window>>());
  const perOptions = getOrAdd(perPassword, password, () => new Map<string, Window>());
  const id = optionsId(options);
  const current = perOptions.get(id);
  if (current && current.until > now) return current.keys;
  const keys = freshKeys(backend, password, options);
  const until = now + options.saltReuseMs;
  const entry = { keys, until };
  perOptions.set(id, entry);
  if (keys instanceof Promise) {
    // Settled keys replace the promise: later seals in the window then run without an await.
    keys.then(
      (settled) => perOptions.get(id) === entry && perOptions.set(id, { keys: settled, until }),
      () => perOptions.get(id) === entry && perOptions.delete(id),
    );
  }
  return keys;
}

/**
 * Puts the current sealing window's keys back into the key cache when a token
 * carries its salts. A burst of other salts (seals with `saltReuseMs: 0`, many
 * instances' windows) may have evicted them, and a seal this process made a
 * moment ago must open without a derivation.
 */
export function restoreWindowKeys(
  backend: CryptoBackend,
  password: NormalizedPassword,
  options: ResolvedSealOptions,
  encryptionSalt: string,
  integritySalt: string,
): void {
  const keys = windows.get(backend)?.get(password)?.get(optionsId(options))?.keys;
  if (!keys || isAsync(keys) || keys.encryptionSalt !== encryptionSalt || keys.integritySalt !== integritySalt) return;
  const { encryption, integrity } = options;
  rememberKey(
    backend,
    password.encryption,
    encryptionSalt,
    encryption.iterations,
    encryption.algorithm,
    keys.encryptionKey,
  );
  rememberKey(backend, password.integrity, integritySalt, integrity.iterations, "sha256", keys.integrityKey);
}

function freshKeys(
  backend: CryptoBackend,
  password: NormalizedPassword,
  options: ResolvedSealOptions,
): MaybePromise<SealingKeys> {
  const { encryption, integrity } = options;
  const tagged = taggedSalts(backend, password, saltLength(encryption.saltBits), saltLength(integrity.saltBits));
  if (isAsync(tagged)) {
    return tagged.then((salts) => keysFor(backend, password, options, salts.encryption, salts.integrity));
  }
  const encryptionSalt =
    tagged?.encryption ?? (password.encryption instanceof Uint8Array ? "" : randomSalt(backend, encryption.saltBits));
  const integritySalt =
    tagged?.integrity ?? (password.integrity instanceof Uint8Array ? "" : randomSalt(backend, integrity.saltBits));
  return keysFor(backend, password, options, encryptionSalt, integritySalt);
}

function keysFor(
  backend: CryptoBackend,
  password: NormalizedPassword,
  options: ResolvedSealOptions,
  encryptionSalt: string,
  integritySalt: string,
): MaybePromise<SealingKeys> {
  const { encryption, integrity } = options;
  const encryptionKey = keyFor(
    backend,
    password.encryption,
    encryptionSalt,
    encryption.iterations,
    encryption.algorithm,
  );
  const integrityKey = keyFor(backend, password.integrity, integritySalt, integrity.iterations, "sha256");
  return andThenBoth(encryptionKey, integrityKey, (e, i) => ({
    encryptionSalt,
    encryptionKey: e,
    integritySalt,
    integrityKey: i,
  }));
}

function importedKey(backend: CryptoBackend, raw: Uint8Array, use: KeyUse): MaybePromise<KeyHandle> {
  const perBackend = getOrAdd(imported, backend, () => new WeakMap<Uint8Array, Map<KeyUse, MaybePromise<KeyHandle>>>());
  const perKey = getOrAdd(perBackend, raw, () => new Map<KeyUse, MaybePromise<KeyHandle>>());
  return getOrAdd(perKey, use, () => backend.importKey(raw, use));
}

function randomSalt(backend: CryptoBackend, bits: number): string {
  return hex(backend.randomBytes(Math.ceil(bits / 8)));
}

const optionsIds = new WeakMap<ResolvedSealOptions, string>();

/** What makes two option objects seal alike; made once per object (a string built per seal costs a fresh hash). */
function optionsId(o: ResolvedSealOptions): string {
  return getOrAdd(optionsIds, o, () => {
    const e = o.encryption;
    const i = o.integrity;
    return `${e.algorithm}:${e.iterations}:${e.saltBits}:${i.iterations}:${i.saltBits}`;
  });
}
