import { createCipheriv, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getSession, type SessionConfig } from "../../src/index.ts";
import { unseal } from "../../src/seal/index.ts";

const PW = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";

/** An iron token with a valid MAC around any plaintext, built by hand from the format. */
function ironToken(plaintext: string, iterations: number): string {
  const encSalt = randomBytes(32).toString("hex");
  const macSalt = randomBytes(32).toString("hex");
  const iv = randomBytes(16);
  const key = pbkdf2Sync(PW, encSalt, iterations, 32, "sha1");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const encrypted = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const base = `Fe26.2**${encSalt}*${iv.toString("base64url")}*${encrypted.toString("base64url")}*`;
  const mac = createHmac("sha256", pbkdf2Sync(PW, macSalt, iterations, 32, "sha1"))
    .update(base)
    .digest("base64url");
  return `${base}*${macSalt}*${mac}`;
}

describe("a genuine seal whose plaintext is not JSON", () => {
  it("the hand-built token format is right: JSON plaintext opens", async () => {
    expect(await unseal(ironToken('{"a":1}', 8192), PW)).toEqual({ a: 1 });
  });

  it("is refused with ERR_SEAL_PAYLOAD", async () => {
    await expect(unseal(ironToken("not json{", 8192), PW)).rejects.toMatchObject({ code: "ERR_SEAL_PAYLOAD" });
  });

  it("as a session cookie yields a fresh session and tells onError", async () => {
    const codes: string[] = [];
    const config: SessionConfig = { password: PW, onError: (code) => codes.push(code) };
    const headers = new Headers({ cookie: `h3=${ironToken("not json{", 8192)}` });
    const event = { req: new Request("https://example.com/", { headers }), res: { headers: new Headers() } };
    const session = await getSession(event, config);
    expect(session.data).toEqual({});
    expect(codes).toEqual(["ERR_SEAL_PAYLOAD"]);
  });
});
