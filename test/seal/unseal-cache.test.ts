import { describe, expect, it } from "vitest";
import { seal, unseal } from "../../src/seal/index.ts";

const PW = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";

// A returning token is answered from the verified-token cache; each answer
// must be a value of its own, or one request's mutation would leak into the next.
describe("unsealing a token this process has already verified", () => {
  it("hands every caller an independent deep copy", async () => {
    const value = { user: { name: "ada", roles: ["admin"] }, n: 1, s: "x", t: true, z: null };
    const token = await seal(value, PW);
    const first = (await unseal(token, PW)) as typeof value;
    first.user.name = "mallory";
    first.user.roles.push("root");
    const second = (await unseal(token, PW)) as typeof value;
    expect(second).toEqual(value);
    second.user.roles.length = 0;
    expect(await unseal(token, PW)).toEqual(value);
  });

  it("still drops prototype keys from cached payloads", async () => {
    const token = await seal(JSON.parse('{"__proto__":{"polluted":1},"constructor":{"x":1},"a":1}'), PW);
    for (let i = 0; i < 2; i++) {
      const value = (await unseal(token, PW)) as Record<string, unknown>;
      expect(value).toEqual({ a: 1 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });
});
