import type * as NodeCrypto from "node:crypto";
import type { CryptoBackend, KeyHandle, KeyUse } from "./backend.ts";
import { cbcContextsWork, cbcDecryptor, cbcEncryptor } from "./cbc-context.ts";
import { fromUtf8 } from "./encoding.ts";
import { ALGORITHMS } from "./options.ts";

/**
 * Above this many iterations a key derivation runs on libuv's thread pool
 * (`crypto.pbkdf2`) so that a burst of unknown salts cannot stall the event loop.
 */
const SYNC_PBKDF2_MAX_ITERATIONS = 1024;

/** The synchronous `node:crypto` backend (Node, Bun, Deno). */
export function createNodeBackend(crypto: typeof NodeCrypto): CryptoBackend {
  const encryptors = contextsOnReuse(crypto, cbcEncryptor);
  const decryptors = contextsOnReuse(crypto, cbcDecryptor);
  return {
    name: "node",
    randomBytes: randomPool(crypto),
    deriveKey(secret, salt, iterations, use) {
      const length = keyLength(use);
      if (iterations <= SYNC_PBKDF2_MAX_ITERATIONS) return crypto.pbkdf2Sync(secret, salt, iterations, length, "sha1");
      return new Promise((resolve, reject) => {
        crypto.pbkdf2(secret, salt, iterations, length, "sha1", (error, key) => (error ? reject(error) : resolve(key)));
      });
    },
    importKey: (raw) => raw,
    // Text straight into OpenSSL: no TextEncoder pass and no copy of the plaintext.
    encrypt(algorithm, key, iv, text) {
      // Large texts take the one-shot path: the context sizes its buffer for the worst case of UTF-8.
      const context = algorithm === "aes-256-cbc" && text.length <= CONTEXT_MAX_TEXT ? encryptors(key) : undefined;
      if (context) return context(iv, text);
      const cipher = crypto.createCipheriv(algorithm, key as Uint8Array, iv);
      // Stryker disable next-line StringLiteral: "utf8" is also node's default encoding for a string input.
      return concat(cipher.update(text, "utf8"), cipher.final());
    },
    decrypt(algorithm, key, iv, data) {
      const context = algorithm === "aes-256-cbc" ? decryptors(key) : undefined;
      if (context) return fromUtf8(context(iv, data));
      const decipher = crypto.createDecipheriv(algorithm, key as Uint8Array, iv);
      return fromUtf8(concat(decipher.update(data), decipher.final()));
    },
    hmac: (key, data) =>
      crypto
        .createHmac("sha256", key as Uint8Array)
        .update(data)
        .digest("base64url"),
  };
}

/** Texts longer than this are encrypted with a cipher of their own (see cbc-context.ts). */
const CONTEXT_MAX_TEXT = 16 * 1024;

/**
 * The long-lived CBC context of each key for one direction (cbc-context.ts),
 * made when the key is used the second time: a key used once (a salt window
 * of `saltReuseMs: 0`, an untagged token's own salt) would pay for a context
 * it never reuses. Undefined on first use, and where this runtime's
 * `node:crypto` fails the self-test. Keys are the cached derived keys, so a
 * context lives as long as its key does.
 */
function contextsOnReuse<C>(
  crypto: typeof NodeCrypto,
  create: (crypto: typeof NodeCrypto, key: Uint8Array) => C,
): (key: KeyHandle) => C | undefined {
  // null: seen once.
  const contexts = new WeakMap<object, C | null>();
  let works: boolean | undefined;
  return (key) => {
    const found = contexts.get(key as object);
    if (found) return found;
    if (found === undefined) {
      contexts.set(key as object, null);
      return undefined;
    }
    works ??= cbcContextsWork(crypto);
    if (!works) return undefined;
    const context = create(crypto, key as Uint8Array);
    contexts.set(key as object, context);
    return context;
  };
}

/**
 * Random bytes served from a pool refilled by the CSPRNG, as Node's own
 * `randomUUID` does: a synchronous `randomBytes(16)` per seal costs more than
 * the AES and HMAC together. Every byte is handed out once, as a copy.
 */
function randomPool(crypto: typeof NodeCrypto): (length: number) => Uint8Array {
  const pool = new Uint8Array(RANDOM_POOL_BYTES);
  let offset = RANDOM_POOL_BYTES;
  return (length) => {
    if (length > RANDOM_POOL_BYTES / 16) return crypto.randomBytes(length);
    if (offset + length > RANDOM_POOL_BYTES) {
      crypto.randomFillSync(pool);
      offset = 0;
    }
    const out = pool.slice(offset, offset + length);
    offset += length;
    return out;
  };
}

const RANDOM_POOL_BYTES = 4096;

function keyLength(use: KeyUse): number {
  return ALGORITHMS[use].keyBytes;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
