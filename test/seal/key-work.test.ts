import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveSealOptions, type SealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend, derivations } from "../helpers/counting-backend.ts";

// "No wasted work per request", checked by counting what the node backend asks
// of node:crypto. Each test builds its own backend, so caches start empty.
const PASSWORD = "a-password-that-is-long-enough-for-iron-32+";

afterEach(() => {
  vi.useRealTimers();
});

describe("key work on the node backend", () => {
  it("steady traffic derives one key pair per salt window, whatever the request count", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { backend, calls } = countingBackend();
    const options = resolveSealOptions({});
    for (let i = 0; i < 100; i++) {
      const token = await sealWith(backend, { n: i }, PASSWORD, options);
      expect((await unsealDetailed(backend, token, PASSWORD, options)).value).toEqual({ n: i });
    }
    expect(derivations(calls)).toBe(2); // one encryption key, one integrity key
    vi.advanceTimersByTime(options.saltReuseMs + 1);
    for (let i = 0; i < 100; i++) {
      const token = await sealWith(backend, { n: i }, PASSWORD, options);
      await unsealDetailed(backend, token, PASSWORD, options);
    }
    expect(derivations(calls)).toBe(4);
  });

  it("with saltReuseMs: 0 every seal derives its own keys (iron's behaviour)", async () => {
    const { backend, calls } = countingBackend();
    const options = resolveSealOptions({ saltReuseMs: 0, iterations: 1 } as SealOptions);
    for (let i = 0; i < 5; i++) await sealWith(backend, { n: i }, PASSWORD, options);
    expect(calls.pbkdf2Sync).toBe(10);
  });

  it("derives keys for an unknown salt at high iterations off the main thread", async () => {
    const sealer = countingBackend();
    const options = resolveSealOptions({});
    const token = await sealWith(sealer.backend, { a: 1 }, PASSWORD, options);
    const { backend, calls } = countingBackend();
    expect((await unsealDetailed(backend, token, PASSWORD, options)).value).toEqual({ a: 1 });
    expect(calls.pbkdf2).toBe(2);
    expect(calls.pbkdf2Sync).toBe(0);
  });

  it("refuses malformed, foreign-id and expired tokens before any key derivation or HMAC", async () => {
    const options = resolveSealOptions({ ttl: 1000 });
    const sealer = countingBackend();
    const token = await sealWith(sealer.backend, { a: 1 }, [{ id: "k1", secret: PASSWORD }], options);
    const parts = token.split("*");
    const expired = [...parts.slice(0, 5), String(Date.now() - 120_000), ...parts.slice(6)].join("*");
    const bad = [
      "",
      "x".repeat(100_000),
      token.replace("Fe26.2", "Fe26.1"),
      `${token}*extra`,
      [...parts.slice(0, 3), `${parts[3]}!`, ...parts.slice(4)].join("*"),
      token.replace("*k1*", "*k9*"),
      expired,
    ];
    const { backend, calls } = countingBackend();
    for (const variant of bad) {
      await expect(
        (async () => unsealDetailed(backend, variant, [{ id: "k1", secret: PASSWORD }], options))(),
      ).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_SEAL_(FORMAT|PASSWORD_ID|EXPIRED)$/) });
    }
    expect(calls).toEqual({ pbkdf2Sync: 0, pbkdf2: 0, createHmac: 0, createDecipheriv: 0 });
  });

  it("decrypts only after the MAC matched", async () => {
    const options = resolveSealOptions({});
    const sealer = countingBackend();
    const token = await sealWith(sealer.backend, { a: 1 }, PASSWORD, options);
    const parts = token.split("*");
    const mac = parts[7] ?? "";
    const forged = [...parts.slice(0, 7), (mac[0] === "A" ? "B" : "A") + mac.slice(1)].join("*");
    const { backend, calls } = countingBackend();
    await expect((async () => unsealDetailed(backend, forged, PASSWORD, options))()).rejects.toMatchObject({
      code: "ERR_SEAL_MAC",
    });
    expect(calls.createDecipheriv).toBe(0);
    expect(calls.createHmac).toBeGreaterThan(0);
  });

  it("keys of forged salts never enter the key cache, so a flood cannot evict the keys of real tokens", async () => {
    const { randomBytes } = await import("node:crypto");
    const hex = (n: number) => randomBytes(n).toString("hex");
    const b64 = (n: number) => randomBytes(n).toString("base64url");
    const { backend, calls } = countingBackend();
    // Sealed on another backend: this one has no sealing window to put the keys back from, only its key cache.
    const sealer = countingBackend().backend;
    const options = resolveSealOptions({});
    await unsealDetailed(backend, await sealWith(sealer, { n: 0 }, PASSWORD, options), PASSWORD, options);
    const before = derivations(calls);
    // Untagged forgeries with 2,000 random salts: more than the 1,024 salts the cache keeps.
    for (let i = 0; i < 2000; i++) {
      const forged = `Fe26.2**${hex(32)}*${b64(16)}*${b64(64)}**${hex(32)}*${b64(32)}`;
      await expect(Promise.resolve().then(() => unsealDetailed(backend, forged, PASSWORD, options))).rejects.toThrow();
    }
    expect(derivations(calls)).toBeGreaterThan(before); // the forgeries did cost their 1-iteration tries
    const spent = derivations(calls);
    // A token this process has not verified, under the salts it has keys for: no derivation.
    const token = await sealWith(sealer, { n: 1 }, PASSWORD, options);
    expect((await unsealDetailed(backend, token, PASSWORD, options)).value).toEqual({ n: 1 });
    expect(derivations(calls)).toBe(spent);
  });

  it("an untagged salt whose token proves authentic is cached: its next token costs no derivation", async () => {
    const hapi = await import("@hapi/iron");
    const options = resolveSealOptions({});
    // @hapi/iron seals with salts of its own (untagged) and 1 iteration.
    const first = await hapi.seal({ n: 1 }, PASSWORD, hapi.defaults);
    const { backend, calls } = countingBackend();
    expect((await unsealDetailed(backend, first, PASSWORD, options)).value).toEqual({ n: 1 });
    const spent = derivations(calls);
    // The same token under other options objects misses the verified-token cache, not the key cache.
    expect((await unsealDetailed(backend, first, PASSWORD, resolveSealOptions({}))).value).toEqual({ n: 1 });
    expect(derivations(calls)).toBe(spent);
  });
});
