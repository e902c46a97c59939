import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import Iron from "@hapi/iron";
import { describe, expect, it } from "vitest";
import { getSession, type SessionConfig } from "../../src/index.ts";
import { seal, unseal } from "../../src/seal/index.ts";
import { MAX_JSON_DEPTH } from "../../src/seal/json.ts";

const PW = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const fixture = fileURLToPath(new URL("./fixtures/unseal-once.ts", import.meta.url));

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? { k: value } : [value];
  return value;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    expect(error).toMatchObject({ name: "SessionError" });
    return (error as { code: string }).code;
  }
}

/** A token @hapi/iron seals (it has no depth limit), for a payload this library would refuse to seal. */
const ironSeal = (value: unknown) =>
  Iron.seal(value, PW, {
    ...Iron.defaults,
    encryption: { ...Iron.defaults.encryption, iterations: 8192 },
    integrity: { ...Iron.defaults.integrity, iterations: 8192 },
  });

function unsealInFreshProcess(token: string): Promise<{ outcome: string; name?: string; code?: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ["--import", "tsx", fixture, PW], (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim()) as { outcome: string });
    });
    child.stdin?.end(token);
  });
}

describe("nesting depth", () => {
  it(`seals and opens ${MAX_JSON_DEPTH} levels, refuses one more at seal time with ERR_SEAL_PAYLOAD`, async () => {
    const deepest = nested(MAX_JSON_DEPTH);
    expect(await unseal(await seal(deepest, PW), PW)).toEqual(deepest);
    expect(await codeOf(seal(nested(MAX_JSON_DEPTH + 1), PW))).toBe("ERR_SEAL_PAYLOAD");
    expect(await codeOf(seal({ a: nested(3000) }, PW))).toBe("ERR_SEAL_PAYLOAD");
  });

  it("counts only real nesting: brackets inside strings do not count", async () => {
    const value = { text: `${"[{".repeat(400)}"\\${"}]".repeat(400)}`, list: nested(MAX_JSON_DEPTH - 1) };
    expect(await unseal(await seal(value, PW), PW)).toEqual(value);
  });

  it("a genuine token with a too-deep payload is ERR_SEAL_PAYLOAD, first time and every time", async () => {
    const token = await ironSeal(nested(3000));
    expect(await codeOf(unseal(token, PW))).toBe("ERR_SEAL_PAYLOAD");
    expect(await codeOf(unseal(token, PW))).toBe("ERR_SEAL_PAYLOAD");
    const limit = await ironSeal(nested(MAX_JSON_DEPTH + 1));
    expect(await codeOf(unseal(limit, PW))).toBe("ERR_SEAL_PAYLOAD");
  });

  // Skipped in the mutation run: the child process loads the code without the active mutant.
  it.skipIf(process.env.SEALED_SESSION_MUTATION_RUN)(
    "a 3,000-deep token is a SessionError in a fresh process too",
    async () => {
      const result = await unsealInFreshProcess(await ironSeal(nested(3000)));
      expect(result).toEqual({ outcome: "refused", name: "SessionError", code: "ERR_SEAL_PAYLOAD" });
    },
  );

  it("as a session cookie it yields a fresh session and tells onError, never a thrown error", async () => {
    const codes: string[] = [];
    const config: SessionConfig = { password: PW, onError: (code) => codes.push(code) };
    const cookie = `h3=${await ironSeal({ id: "x", createdAt: Date.now(), data: { a: nested(3000) } })}`;
    const event = {
      req: new Request("https://example.com/", { headers: { cookie } }),
      res: { headers: new Headers() },
    };
    const session = await getSession(event, config);
    expect(session.data).toEqual({});
    expect(codes).toEqual(["ERR_SEAL_PAYLOAD"]);
  });
});
