const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, throwing on invalid sequences rather than inventing U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CHARS: readonly string[] = ALPHABET.split("");
const ch = (n: number): string => CHARS[n] as string;
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Node's, Bun's or Deno's `Buffer`, when the runtime has one that speaks base64url. */
const NativeBuffer = (
  globalThis as {
    Buffer?: {
      isEncoding?(encoding: string): boolean;
      from(buffer: ArrayBufferLike, offset: number, length: number): { toString(encoding: string): string };
      from(text: string, encoding: string): Uint8Array;
    };
  }
).Buffer;
const native = NativeBuffer?.isEncoding?.("base64url") ? NativeBuffer : undefined;

/** base64url without padding, as iron writes it (natively where the runtime can: ~5× faster). */
export function base64url(bytes: Uint8Array): string {
  if (native) return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  return base64urlPortable(bytes);
}

/** The portable encoder, for runtimes without `Buffer` (Workers, browsers). */
export function base64urlPortable(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ch(n >> 18) + ch((n >> 12) & 63) + ch((n >> 6) & 63) + ch(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += ch(n >> 18) + ch((n >> 12) & 63);
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += ch(n >> 18) + ch((n >> 12) & 63) + ch((n >> 6) & 63);
  }
  return out;
}

/** Decodes base64url text that has already passed {@link isBase64url} (natively where the runtime can). */
export function fromBase64url(text: string): Uint8Array {
  if (native) return native.from(text, "base64url");
  return fromBase64urlPortable(text);
}

/** The portable decoder, for runtimes without `Buffer`. */
export function fromBase64urlPortable(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    value = (value << 6) | (LOOKUP[text.charCodeAt(i)] as number);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const HEX = /^[0-9a-f]*$/;

/** True for unpadded base64url whose length can encode whole bytes. */
export function isBase64url(text: string): boolean {
  return text.length % 4 !== 1 && BASE64URL.test(text);
}

/** True for lower-case hex text (iron writes salts that way). */
export function isHex(text: string): boolean {
  return HEX.test(text);
}

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += (byte < 16 ? "0" : "") + byte.toString(16);
  return out;
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
