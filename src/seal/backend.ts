import type { EncryptionAlgorithm } from "./options.ts";

/** A value now, or later. The Node backend answers now; WebCrypto later. */
export type MaybePromise<T> = T | Promise<T>;

/** An opaque key handle: a `Uint8Array` on Node, a `CryptoKey` on WebCrypto. */
export type KeyHandle = unknown;

/** What a key is for; decides its length and, on WebCrypto, its algorithm. */
export type KeyUse = EncryptionAlgorithm | "sha256";

/**
 * The primitives the iron format needs. Both implementations produce the same
 * bytes; they differ only in whether they can answer synchronously.
 */
export interface CryptoBackend {
  readonly name: "node" | "webcrypto";
  randomBytes(length: number): Uint8Array;
  /** PBKDF2-SHA1 of `secret` with the salt *text*, sized for `use`. */
  deriveKey(secret: string, salt: string, iterations: number, use: KeyUse): MaybePromise<KeyHandle>;
  /** Wraps raw key bytes (a `Uint8Array` password) for `use`. */
  importKey(raw: Uint8Array, use: KeyUse): MaybePromise<KeyHandle>;
  /** Encrypts the UTF-8 bytes of `text`. */
  encrypt(algorithm: EncryptionAlgorithm, key: KeyHandle, iv: Uint8Array, text: string): MaybePromise<Uint8Array>;
  /** Decrypts to text, throwing when the bytes are not valid UTF-8. */
  decrypt(algorithm: EncryptionAlgorithm, key: KeyHandle, iv: Uint8Array, data: Uint8Array): MaybePromise<string>;
  /** HMAC-SHA256 of the UTF-8 text, as unpadded base64url. */
  hmac(key: KeyHandle, data: string): MaybePromise<string>;
}
