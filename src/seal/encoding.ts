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

/** The portable encoder, for runtimes without `Buffer` (Workers, browsers): `btoa` is on every runtime. */
export function base64urlPortable(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Decodes base64url text that has already passed {@link isBase64url} (natively where the runtime can). */
export function fromBase64url(text: string): Uint8Array {
  if (native) return native.from(text, "base64url");
  return fromBase64urlPortable(text);
}

/**
 * The portable decoder, for runtimes without `Buffer`. `atob` takes unpadded
 * input whose length is not 1 mod 4 (which {@link isBase64url} ensures) and,
 * like `Buffer`, drops the unused bits of the last character.
 */
export function fromBase64urlPortable(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
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

/** Lower-case hex of bytes (natively where the runtime can: refusing a forged salt tag is mostly this). */
export function hex(bytes: Uint8Array): string {
  if (native) return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  let out = "";
  // 256 + byte prints three digits, the first always 1: two digits with their leading zero.
  for (const byte of bytes) out += (byte | 256).toString(16).slice(1);
  return out;
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  // Stryker disable next-line MethodExpression: lengths that differ already made diff non-zero; the bound only sets the time taken.
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
