import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { createNodeBackend } from "../../src/seal/backend-node.ts";

describe("node backend randomBytes (pooled)", () => {
  it("never hands out the same bytes twice, across pool refills", () => {
    const backend = createNodeBackend(crypto);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = backend.randomBytes(16);
      expect(bytes).toHaveLength(16);
      const hex = Buffer.from(bytes).toString("hex");
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it("returns copies the caller may keep, and serves large requests directly", () => {
    const backend = createNodeBackend(crypto);
    const a = backend.randomBytes(32);
    const kept = Buffer.from(a).toString("hex");
    for (let i = 0; i < 600; i++) backend.randomBytes(16);
    expect(Buffer.from(a).toString("hex")).toBe(kept);
    expect(backend.randomBytes(1024)).toHaveLength(1024);
  });
});
