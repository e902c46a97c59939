import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { base64url, base64urlPortable, fromBase64url, fromBase64urlPortable } from "../../src/seal/encoding.ts";

describe("base64url", () => {
  it("native and portable encoders agree, unpadded, for every length and offset", () => {
    for (let length = 0; length <= 70; length++) {
      const backing = new Uint8Array(randomBytes(length + 5));
      const bytes = backing.subarray(3, 3 + length);
      const text = base64url(bytes);
      expect(text).toBe(base64urlPortable(bytes));
      expect(text).not.toContain("=");
      expect(new Uint8Array(fromBase64url(text))).toEqual(bytes);
      expect(fromBase64urlPortable(text)).toEqual(bytes);
    }
  });
});
