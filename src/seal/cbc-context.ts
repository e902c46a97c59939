import type * as NodeCrypto from "node:crypto";

/**
 * AES-256-CBC for one key and one direction on a long-lived OpenSSL context,
 * with padding off and the chaining done across calls. Creating a cipher per
 * seal (`createCipheriv`, `update`, `final`) costs about twice the AES work
 * itself for a session-sized payload; here a seal is one `update`.
 *
 * A CBC context remembers the last ciphertext block as its chaining value. To
 * encrypt a message under a fresh IV, its first plaintext block is XORed with
 * `IV ⊕ chain`, so the context computes `E(P1 ⊕ IV)` as CBC with that IV
 * would; the later blocks chain by themselves. Decryption is the mirror: the
 * first output block is corrected by `chain ⊕ IV`. PKCS#7 padding is added
 * and checked here (a token reaches decryption only after its MAC passed, so
 * the padding check is no oracle). The bytes are those of `createCipheriv`.
 */
const BLOCK = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encrypts the UTF-8 of each text under its own IV. */
export function cbcEncryptor(crypto: typeof NodeCrypto, key: Uint8Array): (iv: Uint8Array, text: string) => Uint8Array {
  let chain = new Uint8Array(BLOCK);
  const cipher = crypto.createCipheriv("aes-256-cbc", key, chain).setAutoPadding(false);
  return (iv, text) => {
    // UTF-8 takes at most three bytes per UTF-16 unit (callers send large texts elsewhere).
    const block = new Uint8Array(text.length * 3 + BLOCK);
    const length = encoder.encodeInto(text, block).written;
    const padded = (length & ~(BLOCK - 1)) + BLOCK;
    block.fill(padded - length, length, padded);
    for (let i = 0; i < BLOCK; i++) block[i]! ^= iv[i]! ^ chain[i]!;
    const out = cipher.update(block.subarray(0, padded));
    // A copy (a Buffer's slice is a view): the caller owns `out`, and a change to it must not corrupt the next message.
    chain = Uint8Array.from(out.subarray(out.length - BLOCK));
    return out;
  };
}

/** Decrypts each ciphertext under its own IV and removes its padding. */
export function cbcDecryptor(
  crypto: typeof NodeCrypto,
  key: Uint8Array,
): (iv: Uint8Array, data: Uint8Array) => Uint8Array {
  let chain = new Uint8Array(BLOCK);
  const decipher = crypto.createDecipheriv("aes-256-cbc", key, chain).setAutoPadding(false);
  return (iv, data) => {
    if (data.length === 0 || data.length % BLOCK !== 0) throw new Error("ciphertext is not whole blocks");
    const out = decipher.update(data);
    for (let i = 0; i < BLOCK; i++) out[i]! ^= chain[i]! ^ iv[i]!;
    chain = Uint8Array.from(data.subarray(data.length - BLOCK));
    const pad = out[out.length - 1]!;
    if (pad < 1 || pad > BLOCK) throw new Error("bad padding");
    for (let i = out.length - pad; i < out.length; i++) if (out[i] !== pad) throw new Error("bad padding");
    return out.subarray(0, out.length - pad);
  };
}

/**
 * Whether this runtime's `node:crypto` keeps CBC state across `update` calls
 * as OpenSSL does (Bun and Deno implement `node:crypto` themselves): two
 * messages in a row must give `createCipheriv`'s bytes and decrypt back.
 */
export function cbcContextsWork(crypto: typeof NodeCrypto): boolean {
  try {
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(BLOCK);
    const encrypt = cbcEncryptor(crypto, key);
    const decrypt = cbcDecryptor(crypto, key);
    return ["a self-test two blocks long", "é"].every((text) => {
      const reference = crypto.createCipheriv("aes-256-cbc", key, iv);
      const sealed = encrypt(iv, text) as Buffer;
      return (
        sealed.toString("hex") === reference.update(text, "utf8").toString("hex") + reference.final("hex") &&
        decoder.decode(decrypt(iv, sealed)) === text
      );
    });
  } catch {
    return false;
  }
}
