import { describe, expect, it } from "vitest";
import { toWebHandler, updateSession } from "../../src/index.ts";
import { seal } from "../../src/seal/index.ts";
import { cli, PASSWORD } from "./harness.ts";

describe("inspect", () => {
  it("describes a token without its password", async () => {
    const token = await seal(
      { id: "s", createdAt: Date.now(), data: { user: "ada" } },
      { id: "k7", secret: PASSWORD },
      { ttl: 600_000 },
    );
    const result = await cli(["inspect", token]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^token +${token.length} characters, 8 fields, prefix Fe26\\.2$`, "m"));
    expect(result.out).toMatch(/^password id +k7$/m);
    expect(result.out).toMatch(/^expires +.*\(in (9 min 5\d s|10 min)\)$/m);
    expect(result.out).toMatch(/^encryption +salt 256 bits, iv 16 bytes, ciphertext \d+ bytes/m);
    expect(result.out).toMatch(/^integrity +salt 256 bits, HMAC-SHA256 32 bytes$/m);
    expect(result.out).not.toContain("ada");
  });

  it("gives JSON with --json, and says when there is no ttl or id", async () => {
    const token = await seal({ id: "s", createdAt: 0, data: {} }, PASSWORD);
    const result = await cli(["inspect", "--json"], { stdin: `${token}\n` });
    expect(result.code).toBe(0);
    const [entry] = JSON.parse(result.out);
    expect(entry.token).toMatchObject({
      passwordId: "",
      expiresAt: null,
      expired: false,
      ivBytes: 16,
      macBytes: 32,
      problems: [],
    });
    expect((await cli(["inspect", token])).out).toMatch(/^password id +none .*\nexpires +never/m);
  });

  it("lists every problem of a malformed token and exits 2", async () => {
    const result = await cli(["inspect", "Fe26.1*id!*zz*short*@@*soon"]);
    expect(result.code).toBe(2);
    for (const problem of [
      "8 fields",
      "not Fe26.2",
      "password id",
      "encryption salt is not hex",
      "iv is",
      "ciphertext is not base64url",
      "expiration",
    ]) {
      expect(result.out).toContain(problem);
    }
  });

  it("exits 2 for an expired token", async () => {
    const token = await seal({}, PASSWORD, { ttl: 1000, localtimeOffsetMsec: -120_000 });
    const result = await cli(["inspect", token]);
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/^expires +.* ago\): EXPIRED$/m);
  });

  it("shows the cookies and chunks of a chunked session from a Cookie header", async () => {
    const config = { password: PASSWORD, name: "app" };
    const handler = toWebHandler(async (event) => {
      await updateSession(event, config, { blob: "y".repeat(5000) });
      return "ok";
    });
    const lines = (await handler(new Request("https://localhost/"))).headers.getSetCookie();
    // Set-Cookie lines as copied from devtools: attributes follow the first pair and are ignored.
    const input = lines.map((line) => `Set-Cookie: ${line}`).join("\n");
    const result = await cli(["inspect", "--name", "app"], { stdin: input });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^cookie +app \(3 cookie\(s\), \d+ bytes as name=value pairs\)$/m);
    expect(result.out).toMatch(/^chunks +2 announced: app\.1 \d+ B, app\.2 \d+ B$/m);

    const json = JSON.parse((await cli(["inspect", "--json"], { stdin: input })).out);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ name: "app", chunks: 2, missing: [] });
    expect(json[0].cookies.map((c: { name: string }) => c.name)).toEqual(["app", "app.1", "app.2"]);

    const partial = await cli(["inspect"], {
      stdin: lines
        .slice(0, 2)
        .map((l) => l.split(";")[0])
        .join("; "),
    });
    expect(partial.code).toBe(2);
    expect(partial.out).toMatch(/^missing +app\.2$/m);
  });

  it("exits 1 when the input holds no session cookie", async () => {
    const result = await cli(["inspect", "Cookie: theme=dark; lang=en"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("no session cookie in the input");
  });
});
