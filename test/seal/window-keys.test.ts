import * as nodeCrypto from "node:crypto";
import { createCipheriv, createHmac as nodeHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CryptoBackend } from "../../src/seal/backend.ts";
import { createNodeBackend } from "../../src/seal/backend-node.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend, derivations } from "../helpers/counting-backend.ts";

// A sealing window's keys outlive the key cache (they are put back when a token
// of the window arrives) and a settled window replaces its promise. These tests
// pin what that must never do: hand one window's salts to another, or put a
// window's keys into the cache under salts they were not derived for.

const PW = "window-keys-password-that-is-long-enough-for-iron";
const OTHER = "window-keys-other-password-long-enough-for-iron";

afterEach(() => {
  vi.useRealTimers();
});

const field = (token: string, index: number) => token.split("*")[index] ?? "";

/** The token with field `index` replaced. */
const withField = (token: string, index: number, value: string) =>
  token
    .split("*")
    .map((part, i) => (i === index ? value : part))
    .join("*");

/** The salt with its last hex digit changed: same nonce, so it still claims a tag, but a wrong one. */
const otherTag = (salt: string) => `${salt.slice(0, -1)}${salt.endsWith("0") ? "1" : "0"}`;

/** A genuine iron token (aes-256-cbc, no id, no expiry) under salts the test chooses. */
function ironToken(password: string, value: unknown, encSalt: string, macSalt: string, iterations: number): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", pbkdf2Sync(password, encSalt, iterations, 32, "sha1"), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  const base = `Fe26.2**${encSalt}*${iv.toString("base64url")}*${data.toString("base64url")}*`;
  const mac = nodeHmac("sha256", pbkdf2Sync(password, macSalt, iterations, 32, "sha1"))
    .update(base)
    .digest("base64url");
  return `${base}*${macSalt}*${mac}`;
}

/** A node backend whose derivations, while `held`, wait until the test settles them. */
function heldBackend() {
  const inner = createNodeBackend(nodeCrypto);
  const pending: { settle: () => void; fail: () => void }[] = [];
  const control = { held: true, pending };
  const backend: CryptoBackend = {
    ...inner,
    name: inner.name,
    deriveKey(secret, salt, iterations, use) {
      if (!control.held) return inner.deriveKey(secret, salt, iterations, use);
      return new Promise((resolve, reject) => {
        pending.push({
          settle: () => resolve(inner.deriveKey(secret, salt, iterations, use)),
          fail: () => reject(new Error("derivation failed")),
        });
      });
    },
  };
  return { backend, control };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("a sealing window whose keys settle late", () => {
  it("an older window's keys, settling after a newer window's, do not replace them", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 10, 29));
    const { backend, control } = heldBackend();
    const options = resolveSealOptions({ iterations: 2, saltReuseMs: 1000 });
    const older = sealWith(backend, { n: 1 }, PW, options);
    const olderKeys = control.pending.splice(0);
    vi.advanceTimersByTime(1000);
    const newer = sealWith(backend, { n: 2 }, PW, options);
    const newerKeys = control.pending.splice(0);
    expect(olderKeys).toHaveLength(2);
    expect(newerKeys).toHaveLength(2);
    control.held = false;
    for (const key of newerKeys) key.settle();
    const newerToken = await newer;
    await settled();
    for (const key of olderKeys) key.settle();
    await older;
    await settled();
    // Still inside the newer window: its salts, not a third pair.
    const next = await sealWith(backend, { n: 3 }, PW, options);
    expect(field(next, 2)).toBe(field(newerToken, 2));
    expect(field(next, 6)).toBe(field(newerToken, 6));
  });

  it("an older window's failed derivation does not close the newer window", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 10, 29));
    const { backend, control } = heldBackend();
    const options = resolveSealOptions({ iterations: 2, saltReuseMs: 1000 });
    const older = sealWith(backend, { n: 1 }, PW, options);
    const olderKeys = control.pending.splice(0);
    vi.advanceTimersByTime(1000);
    const newer = sealWith(backend, { n: 2 }, PW, options);
    const newerKeys = control.pending.splice(0);
    control.held = false;
    for (const key of olderKeys) key.fail();
    await expect(older).rejects.toThrow("derivation failed");
    await settled();
    for (const key of newerKeys) key.settle();
    const newerToken = await newer;
    await settled();
    const next = await sealWith(backend, { n: 3 }, PW, options);
    expect(field(next, 2)).toBe(field(newerToken, 2));
  });
});

describe("putting a window's keys back into the key cache", () => {
  const options = resolveSealOptions({ iterations: 2 });

  it("a forged integrity salt of the window's nonce does not get the window's integrity key", async () => {
    const { backend, calls } = countingBackend();
    const token = await sealWith(backend, { n: 1 }, PW, options);
    const forgedSalt = otherTag(field(token, 6));
    const forged = withField(token, 6, forgedSalt);
    expect(() => unsealDetailed(backend, forged, PW, options)).toThrow(
      expect.objectContaining({ code: "ERR_SEAL_MAC" }),
    );
    // A token of another sealer that happens to use that salt: its key must be derived, not taken from the window.
    const theirs = ironToken(PW, { theirs: true }, randomBytes(32).toString("hex"), forgedSalt, 2);
    const before = derivations(calls);
    expect((await unsealDetailed(backend, theirs, PW, options, { legacyFallback: false })).value).toEqual({
      theirs: true,
    });
    expect(derivations(calls)).toBeGreaterThan(before);
  });

  it("a forged encryption salt of the window's nonce does not get the window's encryption key", async () => {
    const { backend } = countingBackend();
    const token = await sealWith(backend, { n: 1 }, PW, options);
    // Fresh salts under the same password push the window's keys out of the key cache (1,024 salts).
    const fresh = resolveSealOptions({ iterations: 1, saltReuseMs: 0 });
    for (let i = 0; i < 1100; i++) await sealWith(backend, { i }, PW, fresh);
    const forgedSalt = otherTag(field(token, 2));
    const forged = withField(token, 2, forgedSalt);
    expect(() => unsealDetailed(backend, forged, PW, options)).toThrow(
      expect.objectContaining({ code: "ERR_SEAL_MAC" }),
    );
    const theirs = ironToken(PW, { theirs: true }, forgedSalt, randomBytes(32).toString("hex"), 2);
    expect((await unsealDetailed(backend, theirs, PW, options, { legacyFallback: false })).value).toEqual({
      theirs: true,
    });
    // The window's own token still opens from the keys put back.
    expect(unsealDetailed(backend, token, PW, options)).toMatchObject({ value: { n: 1 } });
  });

  it("a tagged token on a backend whose windows are of another password or other options opens", async () => {
    const elsewhere = countingBackend().backend;
    const token = await sealWith(elsewhere, { n: 1 }, PW, options);
    // A backend with a window of another password; then one with a window of this password's other options.
    const { backend } = countingBackend();
    await sealWith(backend, { other: true }, OTHER, options);
    expect((await unsealDetailed(backend, token, PW, options)).value).toEqual({ n: 1 });
    const other = resolveSealOptions({ iterations: 3 });
    // Another token of the same window: the first one is answered by the verified-token cache now.
    const second = await sealWith(elsewhere, { n: 2 }, PW, options);
    const reader = countingBackend().backend;
    await sealWith(reader, { other: true }, PW, other);
    expect((await unsealDetailed(reader, second, PW, options)).value).toEqual({ n: 2 });
  });
});

describe("the tag check of a token whose salt key is cached", () => {
  it("a bad MAC on a known salt pair is not tried with the other passwords' derived keys", async () => {
    const options = resolveSealOptions({ iterations: 2 });
    const { backend, calls } = countingBackend();
    const token = await sealWith(backend, { n: 1 }, PW, options);
    const mac = field(token, 7);
    const forged = withField(token, 7, `${mac.startsWith("A") ? "B" : "A"}${mac.slice(1)}`);
    const before = derivations(calls);
    for (const passwords of [[PW], [PW, OTHER]]) {
      expect(() => unsealDetailed(backend, forged, passwords, options, { legacyFallback: false })).toThrow(
        expect.objectContaining({ code: "ERR_SEAL_MAC" }),
      );
    }
    // The other password's tags refuse the salts: no key is derived for it.
    expect(derivations(calls)).toBe(before);
  });

  it("one password, a salt of its nonce but a wrong tag and no cached key: refused before any derivation", async () => {
    const options = resolveSealOptions({ iterations: 2 });
    const { backend, calls } = countingBackend();
    const token = await sealWith(backend, { n: 1 }, PW, options);
    const forged = withField(token, 6, otherTag(field(token, 6)));
    const before = derivations(calls);
    expect(() => unsealDetailed(backend, forged, PW, options, { legacyFallback: false })).toThrow(
      expect.objectContaining({ code: "ERR_SEAL_MAC" }),
    );
    expect(derivations(calls)).toBe(before);
  });

  it("with several passwords, the one whose key for the salt is cached skips its tag check", async () => {
    const options = resolveSealOptions({ iterations: 2 });
    const sealer = countingBackend().backend;
    // One window: three tokens under the same salts.
    const tokens = [];
    for (const n of [0, 1, 2]) tokens.push(await sealWith(sealer, { n }, PW, options));
    const [warm = "", alone = "", both = ""] = tokens;
    const { backend, calls } = countingBackend();
    const passwords = [PW, OTHER];
    // Derives the salts' keys and both passwords' tag keys.
    expect((await unsealDetailed(backend, warm, passwords, options)).value).toEqual({ n: 0 });
    const hmacs = (open: () => unknown) => {
      const before = calls.createHmac;
      try {
        open();
      } catch {}
      return calls.createHmac - before;
    };
    const macOnly = hmacs(() => unsealDetailed(backend, alone, PW, options));
    const otherTags = hmacs(() => unsealDetailed(backend, warm, [OTHER], options));
    expect(otherTags).toBeGreaterThan(0);
    // PW's key is cached: only OTHER's tags are checked, then the MAC.
    expect(hmacs(() => unsealDetailed(backend, both, passwords, options))).toBe(macOnly + otherTags);
  });
});
