import { configError } from "../errors.ts";

/**
 * A secret: a string of at least 32 characters, or raw key bytes (at least 16;
 * exactly 32 for `aes-256-cbc`, 16 for `aes-128-ctr`, used without PBKDF2).
 *
 * @example
 * const text: Secret = process.env.SESSION_SECRET!;
 * const bytes: Secret = crypto.getRandomValues(new Uint8Array(32));
 */
export type Secret = string | Uint8Array;

/**
 * A secret with an id (`^\w+$`), so that tokens name the password that sealed them.
 *
 * @example
 * const current: PasswordWithId = { id: "k2", secret: process.env.SESSION_SECRET_K2! };
 */
export interface PasswordWithId {
  id: string;
  secret: Secret;
}

/**
 * iron's split form: different secrets for encryption and integrity.
 *
 * @example
 * const split: SplitPassword = { id: "k1", encryption: process.env.ENC_SECRET!, integrity: process.env.MAC_SECRET! };
 */
export interface SplitPassword {
  id?: string;
  encryption: Secret;
  integrity: Secret;
}

/**
 * One password in any of the shapes iron accepts.
 *
 * @example
 * const passwords: Password[] = [{ id: "k2", secret: newSecret }, { id: "k1", secret: oldSecret }];
 */
export type Password = Secret | PasswordWithId | SplitPassword;

/**
 * What `seal`/`unseal` and `SessionConfig.password` accept: one password, a
 * list for rotation (the first seals, all unseal), or iron's
 * `{ [id]: password }` table (`default` also opens id-less seals). A token
 * that names an unknown id, or no id, is tried with the entries that have none.
 * An object whose own keys are exactly `secret` or `encryption` + `integrity`
 * (plus a string `id`) is one password; every other object is a table, read as
 * `@hapi/iron` reads it, so `{ secret: a, k2: b }` is the ids `secret` and `k2`.
 *
 * @example
 * const password: PasswordInput = [
 *   { id: "k2", secret: process.env.SESSION_SECRET! }, // seals
 *   { id: "k1", secret: process.env.OLD_SESSION_SECRET! }, // still opens k1 tokens
 * ];
 */
export type PasswordInput = Password | readonly Password[] | Readonly<Record<string, Password>>;

/** A password reduced to what the engine needs. */
export interface NormalizedPassword {
  readonly id: string;
  readonly encryption: Secret;
  readonly integrity: Secret;
}

/** Passwords ready for sealing (`primary`) and for lookup by id when unsealing. */
export interface PasswordSet {
  readonly primary: NormalizedPassword;
  /** Lookup by id; never reads inherited properties. */
  readonly byId: ReadonlyMap<string, NormalizedPassword>;
  /** Entries without an id, tried for id-less tokens. */
  readonly anonymous: readonly NormalizedPassword[];
}

const PASSWORD_ID = /^\w+$/;
const SHAPES = "a string, a Uint8Array, { id, secret } or { id, encryption, integrity }";
const cache = new WeakMap<object, PasswordSet>();
const stringCache = new Map<string, PasswordSet>();

/**
 * Normalizes any accepted password shape. Results are cached per input object
 * so that a config reused across requests is validated once.
 */
export function toPasswordSet(input: PasswordInput): PasswordSet {
  const cached = typeof input === "string" ? stringCache.get(input) : isObject(input) ? cache.get(input) : undefined;
  if (cached) return cached;
  const entries = listEntries(input).map(normalize);
  const [primary] = entries;
  if (!primary) configError("password list is empty");
  const byId = new Map<string, NormalizedPassword>();
  const anonymous: NormalizedPassword[] = [];
  for (const entry of entries) {
    if (!entry.id) anonymous.push(entry);
    else if (!byId.has(entry.id)) byId.set(entry.id, entry);
  }
  const set: PasswordSet = { primary, byId, anonymous };
  if (typeof input === "string") {
    if (stringCache.size > 64) stringCache.clear();
    stringCache.set(input, set);
  } else if (isObject(input)) cache.set(input, set);
  return set;
}

/** The candidates able to open a token sealed under `id` ("" for id-less tokens). */
export function candidatesFor(set: PasswordSet, id: string): readonly NormalizedPassword[] {
  if (id) {
    const found = set.byId.get(id);
    if (found) return [found];
    // iron reads an id'd token with a plain password that carries no id.
    return set.anonymous;
  }
  const fallback = set.byId.get("default");
  return fallback ? [...set.anonymous, fallback] : set.anonymous;
}

function listEntries(input: PasswordInput): Password[] {
  if (Array.isArray(input)) return [...(input as readonly Password[])];
  if (typeof input === "string" || input instanceof Uint8Array) return [input];
  if (!isObject(input)) configError(`password must be ${SHAPES}, or a list or table of those`);
  if (isOnePassword(input)) return [input as Password];
  // iron's hash form: { id: password }; own enumerable keys only.
  return Object.keys(input).map((id) => {
    const value = (input as Record<string, Password>)[id] as Password;
    if (typeof value === "string" || value instanceof Uint8Array) return { id, secret: value };
    return { ...value, id };
  });
}

/**
 * True when an object is one password rather than iron's `{ [id]: password }`
 * table: its own keys are exactly `secret` or `encryption` + `integrity`, plus
 * an optional string `id`, and no secret field holds an object (a table entry
 * would). Anything else is a table, as iron's `unseal` reads every object, so
 * ids named `secret`, `encryption`, `integrity` or `id` work beside others.
 */
function isOnePassword(input: object): boolean {
  const keys = Object.keys(input);
  const record = input as Record<string, unknown>;
  const hasId = Object.hasOwn(input, "id");
  if (hasId && typeof record.id !== "string") return false;
  const fields = keys.length - (hasId ? 1 : 0);
  const secretLike = (name: string) =>
    Object.hasOwn(input, name) && !(isObject(record[name]) && !(record[name] instanceof Uint8Array));
  if (fields === 1) return secretLike("secret");
  return fields === 2 && secretLike("encryption") && secretLike("integrity");
}

/** Enforces iron's `minPasswordlength` on a password about to be used. */
export function assertPasswordLength(password: NormalizedPassword, encryptionMin: number, integrityMin: number): void {
  for (const [secret, min] of [
    [password.encryption, encryptionMin],
    [password.integrity, integrityMin],
  ] as const) {
    if (typeof secret === "string" && secret.length < min) {
      configError(`password must be at least ${min} characters long (got ${secret.length})`);
    }
  }
}

function normalize(password: Password): NormalizedPassword {
  if (typeof password === "string" || password instanceof Uint8Array) {
    const secret = checkSecret(password);
    return { id: "", encryption: secret, integrity: secret };
  }
  if (!isObject(password)) configError(`password entries must be ${SHAPES}`);
  const id = password.id ?? "";
  if (typeof id !== "string" || (id !== "" && !PASSWORD_ID.test(id))) {
    configError("password id must match /^\\w+$/ (letters, digits and underscores)");
  }
  if ("secret" in password) {
    const secret = checkSecret(password.secret);
    return { id, encryption: secret, integrity: secret };
  }
  return {
    id,
    encryption: checkSecret(password.encryption),
    integrity: checkSecret(password.integrity),
  };
}

function checkSecret(secret: unknown): Secret {
  if (typeof secret === "string") {
    if (secret.length === 0) configError("password is empty");
    return secret;
  }
  if (secret instanceof Uint8Array) {
    // A key of bytes is used as is: 16 bytes for aes-128-ctr, 32 for aes-256-cbc.
    if (secret.length < 16) configError(`a Uint8Array password must hold at least 16 bytes (got ${secret.length})`);
    // A copy: keys and cipher contexts are kept per key, so bytes changed later by the caller must not reach them.
    return Uint8Array.from(secret);
  }
  configError(secret === undefined ? "password is missing" : "password must be a string or a Uint8Array");
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
