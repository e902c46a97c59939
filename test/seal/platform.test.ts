import { afterEach, describe, expect, it, vi } from "vitest";

// The backend is chosen once, when the module loads: each case stubs the
// runtime, then loads a fresh copy of the module.

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.resetModules();
});

async function loadPlatform() {
  vi.resetModules();
  return import("../../src/seal/platform.ts");
}

describe("the platform backend", () => {
  it("is node:crypto where the runtime has it", async () => {
    expect((await loadPlatform()).platformBackend.name).toBe("node");
  });

  it("is WebCrypto when SEALED_SESSION_BACKEND says so", async () => {
    vi.stubEnv("SEALED_SESSION_BACKEND", "webcrypto");
    expect((await loadPlatform()).platformBackend.name).toBe("webcrypto");
    vi.stubEnv("SEALED_SESSION_BACKEND", "node");
    expect((await loadPlatform()).platformBackend.name).toBe("node");
  });

  it("is WebCrypto when node:crypto is missing, partial or throws", async () => {
    const partial = { pbkdf2Sync: () => undefined };
    for (const getBuiltinModule of [
      undefined,
      () => undefined,
      () => partial,
      () => ({ createCipheriv: () => undefined }),
      () => {
        throw new Error("no such module");
      },
    ]) {
      vi.stubGlobal("process", { ...process, getBuiltinModule });
      expect((await loadPlatform()).platformBackend.name).toBe("webcrypto");
    }
  });

  it("on Deno, reads the variable only with permission (a read without it would throw or prompt)", async () => {
    vi.stubEnv("SEALED_SESSION_BACKEND", "webcrypto");
    const querySync = vi.fn((_: { name: "env"; variable: string }) => ({ state: "prompt" }));
    vi.stubGlobal("Deno", { permissions: { querySync } });
    expect((await loadPlatform()).platformBackend.name).toBe("node");
    expect(querySync).toHaveBeenCalledWith({ name: "env", variable: "SEALED_SESSION_BACKEND" });
    querySync.mockReturnValue({ state: "granted" });
    expect((await loadPlatform()).platformBackend.name).toBe("webcrypto");
    // A Deno without the permissions API, or without querySync: nothing to ask, so nothing is read.
    for (const deno of [{}, { permissions: {} }]) {
      vi.stubGlobal("Deno", deno);
      expect((await loadPlatform()).platformBackend.name).toBe("node");
    }
  });

  it("a variable that throws on read is no variable", async () => {
    const env = new Proxy(process.env, {
      get(target, property) {
        if (property === "SEALED_SESSION_BACKEND") throw new Error("denied");
        return Reflect.get(target, property);
      },
    });
    vi.stubGlobal("process", { ...process, env });
    expect((await loadPlatform()).platformBackend.name).toBe("node");
  });
});

describe("a caller's WebCrypto", () => {
  it("gets a WebCrypto backend of its own, made once; no crypto means the platform's", async () => {
    const { backendFor, platformBackend, webCryptoBackend } = await loadPlatform();
    expect(backendFor(undefined)).toBe(platformBackend);
    const mine = backendFor(globalThis.crypto);
    expect(mine.name).toBe("webcrypto");
    expect(backendFor(globalThis.crypto)).toBe(mine);
    expect(webCryptoBackend()).toBe(mine);
    const other = { subtle: globalThis.crypto.subtle, getRandomValues: globalThis.crypto.getRandomValues } as Crypto;
    expect(backendFor(other)).not.toBe(mine);
  });
});
