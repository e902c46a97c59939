import Iron from "@hapi/iron";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PasswordInput, seal, unseal } from "../../src/seal/index.ts";

// iron's unseal reads every object as a { [id]: password } table. This library
// also accepts one password as an object ({ id?, secret } or { id?, encryption,
// integrity }), so the rule is by shape: exactly those keys is one password,
// anything else is a table, read as @hapi/iron reads it.
const S = ["S0-zK2r!mW4xT9bLp0sY7nE3dH6jC1uQ", "S1-zK2r!mW4xT9bLp0sY7nE3dH6jC1uQ", "S2-zK2r!mW4xT9bLp0sY7nE3dH6jC1uQ"];
const IRON = {
  ...Iron.defaults,
  encryption: { ...Iron.defaults.encryption, iterations: 1 },
  integrity: { ...Iron.defaults.integrity, iterations: 1 },
};
const OURS = { iterations: 1, legacyFallback: false } as const;

const ironSeal = (id: string, secret: string) => Iron.seal({ v: id }, id ? { id, secret } : secret, IRON);

async function ours(token: string, password: PasswordInput): Promise<string> {
  try {
    return JSON.stringify(await unseal(token, password, OURS));
  } catch (error) {
    expect(error).toMatchObject({ name: "SessionError" });
    return (error as { code: string }).code;
  }
}

async function theirs(token: string, password: Record<string, string>): Promise<string> {
  try {
    return JSON.stringify(await Iron.unseal(token, password, IRON));
  } catch {
    return "refused";
  }
}

describe("password tables whose ids are named like password fields", () => {
  it("{ secret: S, k2: S2 } opens k2 tokens with S2 and refuses unknown ids, as @hapi/iron does", async () => {
    const table = { secret: S[0] as string, k2: S[2] as string };
    expect(await ours(await ironSeal("k2", S[2] as string), table)).toBe('{"v":"k2"}');
    expect(await ours(await ironSeal("secret", S[0] as string), table)).toBe('{"v":"secret"}');
    expect(await ours(await ironSeal("k9", S[0] as string), table)).toBe("ERR_SEAL_PASSWORD_ID");
    expect(await ours(await ironSeal("", S[0] as string), table)).toBe("ERR_SEAL_PASSWORD_ID");
    // And it seals with its first entry, under that id.
    expect((await seal({ v: 1 }, table, { iterations: 1 })).split("*")[1]).toBe("secret");
  });

  it("{ encryption: S } is a table with the id encryption, not a broken split password", async () => {
    expect(await ours(await ironSeal("encryption", S[1] as string), { encryption: S[1] as string })).toBe(
      '{"v":"encryption"}',
    );
  });

  it("the exact one-password shapes stay one password", async () => {
    const token = await ironSeal("", S[0] as string);
    expect(await ours(token, { secret: S[0] as string })).toBe('{"v":""}');
    expect(await ours(await ironSeal("k1", S[0] as string), { id: "k1", secret: S[0] as string })).toBe('{"v":"k1"}');
    expect(await ours(token, { encryption: S[0] as string, integrity: S[0] as string })).toBe('{"v":""}');
    const split = await Iron.seal({ v: 2 }, { id: "a", encryption: S[1] as string, integrity: S[2] as string }, IRON);
    expect(await ours(split, { id: "a", encryption: S[1] as string, integrity: S[2] as string })).toBe('{"v":2}');
  });

  it("any other table agrees with @hapi/iron on every token", async () => {
    const ids = ["secret", "encryption", "integrity", "id", "default", "k1", "k2"];
    const table = fc
      .dictionary(fc.constantFrom(...ids), fc.constantFrom(...S), { minKeys: 1 })
      .filter((t) => !isOnePasswordShape(t));
    await fc.assert(
      fc.asyncProperty(table, fc.constantFrom("", "k9", ...ids), fc.constantFrom(...S), async (t, id, secret) => {
        const token = await ironSeal(id, secret);
        const expected = await theirs(token, t);
        const actual = await ours(token, t);
        if (expected === "refused") expect(["ERR_SEAL_PASSWORD_ID", "ERR_SEAL_MAC"]).toContain(actual);
        else expect(actual).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });
});

/** The documented exception: these exact key sets are one password, not a table. */
function isOnePasswordShape(table: Record<string, string>): boolean {
  const keys = Object.keys(table)
    .filter((k) => k !== "id")
    .sort()
    .join(",");
  return keys === "secret" || keys === "encryption,integrity";
}
