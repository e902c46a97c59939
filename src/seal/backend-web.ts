import type { CryptoBackend, KeyUse } from "./backend.ts";
import { base64url, fromUtf8, utf8 } from "./encoding.ts";
import { ALGORITHMS, type EncryptionAlgorithm } from "./options.ts";

/** The WebCrypto backend (Workers, browsers, or any `Crypto` passed in by the caller). */
export function createWebBackend(crypto: Crypto): CryptoBackend {
  const subtle = crypto.subtle;

  const importFor = (raw: BufferSource, use: KeyUse): Promise<CryptoKey> =>
    use === "sha256"
      ? subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      : subtle.importKey("raw", raw, { name: use === "aes-128-ctr" ? "AES-CTR" : "AES-CBC" }, false, [
          "encrypt",
          "decrypt",
        ]);

  return {
    name: "webcrypto",
    randomBytes(length) {
      return crypto.getRandomValues(new Uint8Array(length));
    },
    async deriveKey(secret, salt, iterations, use) {
      const base = await subtle.importKey("raw", utf8(secret) as BufferSource, "PBKDF2", false, ["deriveBits"]);
      const bits = await subtle.deriveBits(
        { name: "PBKDF2", hash: "SHA-1", salt: utf8(salt) as BufferSource, iterations },
        base,
        ALGORITHMS[use].keyBytes * 8,
      );
      return importFor(bits, use);
    },
    importKey: (raw, use) => importFor(raw as BufferSource, use),
    async encrypt(algorithm, key, iv, text) {
      return new Uint8Array(await subtle.encrypt(params(algorithm, iv), key as CryptoKey, utf8(text) as BufferSource));
    },
    async decrypt(algorithm, key, iv, data) {
      return fromUtf8(
        new Uint8Array(await subtle.decrypt(params(algorithm, iv), key as CryptoKey, data as BufferSource)),
      );
    },
    async hmac(key, data) {
      return base64url(new Uint8Array(await subtle.sign("HMAC", key as CryptoKey, utf8(data) as BufferSource)));
    },
  };
}

function params(algorithm: EncryptionAlgorithm, iv: Uint8Array): AesCbcParams | AesCtrParams {
  return algorithm === "aes-128-ctr"
    ? { name: "AES-CTR", counter: iv as BufferSource, length: 128 }
    : { name: "AES-CBC", iv: iv as BufferSource };
}
