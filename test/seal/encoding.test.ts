import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  base64url,
  base64urlPortable,
  constantTimeEqual,
  fromBase64url,
  fromBase64urlPortable,
  hex,
  isBase64url,
  isHex,
} from "../../src/seal/encoding.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.resetModules();
});

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

  it("uses both URL-safe characters, in both directions", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe]);
    expect(base64urlPortable(bytes)).toBe("-_-__g");
    expect(fromBase64urlPortable("-_-__g")).toEqual(bytes);
  });

  it("goes through the runtime's Buffer where it has one (the fast path)", () => {
    const from = vi.spyOn(Buffer, "from");
    const text = base64url(new Uint8Array([1, 2, 3]));
    expect(from).toHaveBeenCalledTimes(1);
    expect(new Uint8Array(fromBase64url(text))).toEqual(new Uint8Array([1, 2, 3]));
    expect(from).toHaveBeenCalledTimes(2);
  });
});

describe("on a runtime without Buffer (Workers, browsers)", () => {
  it("loads, and encodes and decodes with the portable code", async () => {
    vi.stubGlobal("Buffer", undefined);
    vi.resetModules();
    const portable = await import("../../src/seal/encoding.ts");
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe, 0]);
    expect(portable.base64url(bytes)).toBe("-_-__gA");
    expect(portable.fromBase64url("-_-__gA")).toEqual(bytes);
  });

  it("writes hex from its own table, for every byte value", async () => {
    const bytes = new Uint8Array(Array.from({ length: 256 }, (_, byte) => byte));
    const expected = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    vi.stubGlobal("Buffer", undefined);
    vi.resetModules();
    const portable = await import("../../src/seal/encoding.ts");
    expect(portable.hex(bytes)).toBe(expected);
    expect(portable.hex(bytes.subarray(250, 252))).toBe("fafb");
    expect(portable.hex(new Uint8Array(0))).toBe("");
  });

  it("or with a Buffer that does not speak base64url, or cannot say", async () => {
    for (const buffer of [{ isEncoding: () => false }, {}]) {
      vi.stubGlobal("Buffer", buffer);
      vi.resetModules();
      const portable = await import("../../src/seal/encoding.ts");
      expect(portable.base64url(new Uint8Array([1, 2, 3]))).toBe("AQID");
      expect(portable.fromBase64url("AQID")).toEqual(new Uint8Array([1, 2, 3]));
    }
  });
});

describe("the alphabet checks of token fields", () => {
  it("isBase64url: the URL-safe alphabet only, at lengths that encode whole bytes", () => {
    for (const text of ["", "AA", "AAA", "AAAA", "AAAAAA", "az09-_", "ZZZZZZZ"]) expect(isBase64url(text)).toBe(true);
    for (const text of ["A", "AAAAA", "AA=", "AA+", "AA/", "A A", "AAé", "\nAA", "AA\n"]) {
      expect(isBase64url(text)).toBe(false);
    }
  });

  it("isHex: lower-case hex only, the empty salt included", () => {
    for (const text of ["", "0", "09af", "0123456789abcdef"]) expect(isHex(text)).toBe(true);
    for (const text of ["A", "0F", "g", "0x1", " 0", "0 ", "\n0"]) expect(isHex(text)).toBe(false);
  });

  it("hex: two lower-case digits per byte", () => {
    expect(hex(new Uint8Array([0, 1, 15, 16, 17, 160, 255]))).toBe("00010f1011a0ff");
    expect(hex(new Uint8Array([]))).toBe("");
  });
});

describe("constantTimeEqual", () => {
  it("equal only for the same text", () => {
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    for (const [a, b] of [
      ["abc", "abd"],
      ["abc", "ab"],
      ["ab", "abc"],
      ["", "a"],
      ["a\u0000", "a"],
      ["bbc", "abc"],
    ] as const) {
      expect(constantTimeEqual(a, b)).toBe(false);
    }
  });
});
