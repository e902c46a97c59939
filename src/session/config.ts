import { checkNumber } from "../config-checks.ts";
import { assertCookieName, type ResolvedCookieOptions, resolveCookieOptions, TOKEN } from "../cookie/options.ts";
import { configError } from "../errors.ts";
import type { CryptoBackend } from "../seal/backend.ts";
import { type ResolvedSealOptions, resolveSealOptions } from "../seal/options.ts";
import { assertPasswordLength, type PasswordInput, type PasswordSet, toPasswordSet } from "../seal/password.ts";
import { backendFor } from "../seal/platform.ts";
import { DEFAULT_STORE_TIMEOUT_MS } from "../store/call.ts";
import type { SessionStore } from "../store/types.ts";
import type { SessionConfig } from "./types.ts";
import { warnOnce, weakPasswordReason } from "./warnings.ts";

/**
 * h3's cookie name, so that h3 and vinxi cookies keep working.
 *
 * @example
 * const token = cookies[DEFAULT_SESSION_NAME]; // the "h3" cookie
 */
export const DEFAULT_SESSION_NAME = "h3";

/** A {@link SessionConfig} validated and with every default applied. */
export interface ResolvedConfig {
  readonly source: SessionConfig<object>;
  readonly name: string;
  readonly headerName: string | undefined;
  readonly cookie: ResolvedCookieOptions | false;
  readonly maxAge: number | undefined;
  readonly idleTimeout: number | undefined;
  readonly password: PasswordInput;
  readonly passwords: PasswordSet;
  readonly seal: ResolvedSealOptions;
  /** True when the developer set `seal.ttl` explicitly. */
  readonly fixedTtl: boolean;
  readonly backend: CryptoBackend;
  readonly legacyFallback: boolean;
  readonly generateId: () => string;
  readonly store: SessionStore | undefined;
  readonly storeTimeout: number;
}

const resolved = new WeakMap<object, ResolvedConfig>();

/**
 * Validates a config once per config object (a module-level config costs
 * nothing per request) and fails fast, with a message that names the field
 * and never echoes a secret.
 */
export function resolveConfig(config: SessionConfig<object>): ResolvedConfig {
  if (typeof config !== "object" || config === null) configError("a session config object is required");
  const cached = resolved.get(config);
  if (cached) return cached;

  const name = config.name ?? DEFAULT_SESSION_NAME;
  assertCookieName(name);
  if (config.password === undefined || config.password === null || (config.password as unknown) === "") {
    configError("config.password is required (at least 32 characters; try `npx sealed-session keygen`)");
  }
  const seal = resolveSealOptions(config.seal);
  const passwords = toPasswordSet(config.password);
  for (const entry of [passwords.primary, ...passwords.byId.values(), ...passwords.anonymous]) {
    assertPasswordLength(
      entry,
      Math.max(32, seal.encryption.minPasswordlength),
      Math.max(32, seal.integrity.minPasswordlength),
    );
  }
  if (passwords.anonymous.length > 1) {
    warnOnce(
      config.onWarning,
      "PASSWORDS_WITHOUT_IDS",
      `sealed-session: ${passwords.anonymous.length} passwords have no id, so a token that names none is tried against each (one key derivation per entry for a token not seen before); give each an id`,
    );
  }
  const weak = weakPasswordReason(passwords.primary.encryption);
  if (weak) warnOnce(config.onWarning, "WEAK_PASSWORD", `sealed-session: the session password ${weak}`);

  const result: ResolvedConfig = {
    source: config,
    name,
    headerName: headerNameOf(config.sessionHeader, name),
    cookie: config.cookie === false ? false : resolveCookieOptions(config.cookie),
    maxAge: seconds(config.maxAge, "maxAge"),
    idleTimeout: seconds(config.idleTimeout, "idleTimeout"),
    password: config.password,
    passwords,
    seal,
    fixedTtl: config.seal?.ttl !== undefined,
    backend: backendFor(config.crypto),
    legacyFallback: config.legacySealFallback ?? true,
    generateId: idGenerator(config),
    store: config.store,
    storeTimeout: timeout(config.storeTimeout) ?? DEFAULT_STORE_TIMEOUT_MS,
  };
  resolved.set(config, result);
  return result;
}

function headerNameOf(option: false | string | undefined, name: string): string | undefined {
  if (option === false) return undefined;
  if (option === undefined) return `x-${name.toLowerCase()}-session`;
  if (typeof option !== "string" || !TOKEN.test(option)) {
    configError("sessionHeader must be a header name or false");
  }
  return option.toLowerCase();
}

/** setTimeout wraps delays past 2^31 − 1 ms to 1 ms, which would fail every store call at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function timeout(value: number | undefined): number | undefined {
  if (value === 0) configError("storeTimeout must be positive: 0 would fail every store call at once");
  if (value !== undefined) checkNumber(value, "storeTimeout (ms)", 0, MAX_TIMER_MS);
  return value;
}

function seconds(value: number | undefined, field: string): number | undefined {
  if (value === undefined || value === 0) return undefined;
  checkNumber(value, `${field} (seconds)`, 0);
  return value;
}

function idGenerator(config: SessionConfig<object>): () => string {
  if (config.generateId) {
    const generate = config.generateId;
    return () => {
      const id = generate();
      if (typeof id !== "string" || id.length === 0 || id.length > 256)
        configError("generateId must return a non-empty string");
      return id;
    };
  }
  const crypto = config.crypto ?? globalThis.crypto;
  return () => crypto.randomUUID();
}
