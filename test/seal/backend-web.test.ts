import { describe, expect, it } from "vitest";
import { createWebBackend } from "../../src/seal/backend-web.ts";

describe("WebCrypto backend keys", () => {
  it("cannot be exported, imported or derived, for every use", async () => {
    const backend = createWebBackend(globalThis.crypto);
    for (const use of ["sha256", "aes-256-cbc", "aes-128-ctr"] as const) {
      const raw = new Uint8Array(use === "aes-128-ctr" ? 16 : 32).fill(1);
      const imported = (await backend.importKey(raw, use)) as CryptoKey;
      const derived = (await backend.deriveKey("secret", "salt", 1, use)) as CryptoKey;
      for (const key of [imported, derived]) {
        expect(key.extractable).toBe(false);
        await expect(globalThis.crypto.subtle.exportKey("raw", key)).rejects.toThrow();
      }
    }
  });
});
