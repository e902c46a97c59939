/** What a developer sees for each configuration mistake, and the limits the config sets. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { getSession, type SessionConfig, updateSession } from "../../src/index.ts";
import { resetWarnings } from "../../src/session/warnings.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const event = () => ({ req: new Request("http://localhost/"), res: { headers: new Headers() }, context: {} });
const refusal = (config: unknown) =>
  getSession(event(), config as SessionConfig).then(
    () => "accepted",
    (error: { code?: string; message: string }) => `${error.code}: ${error.message}`,
  );

describe("configuration messages", () => {
  it("name the field and the fix", async () => {
    expect(await refusal(null)).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: a session config object is required"`,
    );
    for (const missing of [{}, { password: null }, { password: "" }]) {
      expect(await refusal(missing)).toMatchInlineSnapshot(
        `"ERR_CONFIG: sealed-session: config.password is required (at least 32 characters; try \`npx sealed-session keygen\`)"`,
      );
    }
    for (const sessionHeader of [42, "a b"]) {
      expect(await refusal({ password, sessionHeader })).toMatchInlineSnapshot(
        `"ERR_CONFIG: sealed-session: sessionHeader must be a header name or false"`,
      );
    }
    expect(await refusal({ password, storeTimeout: 0 })).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: storeTimeout must be positive: 0 would fail every store call at once"`,
    );
    expect(await refusal({ password, storeTimeout: -1 })).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: storeTimeout (ms) must be a number from 0 to 2147483647"`,
    );
    expect(await refusal({ password, maxAge: -1 })).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: maxAge (seconds) must be a finite number ≥ 0"`,
    );
    expect(await refusal({ password, idleTimeout: "1h" })).toMatchInlineSnapshot(
      `"ERR_CONFIG: sealed-session: idleTimeout (seconds) must be a finite number ≥ 0"`,
    );
  });

  it("generateId must give 1 to 256 characters", async () => {
    const write = (id: unknown) =>
      updateSession(event(), { password, generateId: () => id as string }, { a: 1 }).then(
        (session) => session.id,
        (error: Error) => error.message,
      );
    expect(await write("x".repeat(256))).toBe("x".repeat(256));
    expect(await write("x")).toBe("x");
    for (const bad of ["", "x".repeat(257), 42]) {
      expect(await write(bad)).toBe("sealed-session: generateId must return a non-empty string");
    }
  });

  it("a maxAge or idleTimeout of 0 means no limit", async () => {
    const first = event();
    await updateSession(first, { password, maxAge: 0, idleTimeout: 0 }, { a: 1 });
    expect(first.res.headers.getSetCookie()[0]).not.toMatch(/Max-Age|Expires/i);
  });

  it("the password minimum is 32 characters or the seal's own, whichever is larger", async () => {
    const short = "Pz4!kQ9-wX2mL7vB1nC5yF8h"; // 24 characters
    for (const half of ["encryption", "integrity"] as const) {
      expect(await refusal({ password: short, seal: { [half]: { minPasswordlength: 16 } } })).toMatch(/^ERR_CONFIG: /);
      const longer = { password, seal: { [half]: { minPasswordlength: 40 } } };
      expect(await refusal(longer)).toMatch(/^ERR_CONFIG: .*at least 40/);
    }
  });
});

describe("password warnings", () => {
  afterEach(() => {
    resetWarnings();
    vi.restoreAllMocks();
  });
  const warnings = async (config: Omit<SessionConfig, "onWarning">) => {
    resetWarnings();
    const onWarning = vi.fn();
    await getSession(event(), { ...config, onWarning });
    return onWarning.mock.calls.map(([message, code]) => `${code}: ${message}`);
  };

  it("says why a password looks weak, for each sample word from documentation", async () => {
    const samples = [
      "password",
      "secret",
      "changeme",
      "example",
      "your",
      "some_not_random",
      "complex_password",
      "xxxx",
    ];
    for (const sample of samples) {
      expect(await warnings({ password: `${sample}-Qz8!kW3mV7bN1cX5yH9jL4tR6pD2` })).toEqual([
        "WEAK_PASSWORD: sealed-session: the session password looks like a sample from documentation; generate one with `npx sealed-session keygen`",
      ]);
    }
    expect(await warnings({ password: "PASSWORD-Qz8!kW3mV7bN1cX5yH9jL4t" })).toHaveLength(1);
  });

  it("counts distinct characters: 12 are enough, 11 are not", async () => {
    expect(await warnings({ password: "abcdefghijkl".repeat(3) })).toEqual([]);
    expect(await warnings({ password: "abcdefghijk".repeat(3) })).toEqual([
      "WEAK_PASSWORD: sealed-session: the session password has little entropy (few distinct characters)",
    ]);
  });

  it("judges no byte password, and warns about passwords without ids only from two on", async () => {
    expect(await warnings({ password: new Uint8Array(32).fill(1) })).toEqual([]);
    const other = "Zt7!nQ2-wX9kL4pR8vB1mC6yF3hJ0sD5gA";
    expect(await warnings({ password: [password, { id: "b", secret: other }] })).toEqual([]);
    expect(await warnings({ password: [password, other] })).toEqual([
      "PASSWORDS_WITHOUT_IDS: sealed-session: 2 passwords have no id, so a token that names none is tried against each (one key derivation per entry for a token not seen before); give each an id",
    ]);
  });

  it("without onWarning, warns once on the console", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    resetWarnings();
    await getSession(event(), { password: "abcdefghijk".repeat(3) });
    await getSession(event(), { password: "abcdefghijk".repeat(3) });
    expect(warn.mock.calls).toEqual([
      ["sealed-session: the session password has little entropy (few distinct characters)"],
    ]);
  });
});
