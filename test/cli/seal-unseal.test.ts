import { describe, expect, it } from "vitest";
import { getSession, toWebHandler, unsealSession, updateSession } from "../../src/index.ts";
import { seal, unseal } from "../../src/seal/index.ts";
import { cli, OTHER_PASSWORD, PASSWORD } from "./harness.ts";

const env = { SESSION_SECRET: PASSWORD };

async function sealed(args: string[], stdin?: string): Promise<string> {
  const result = await cli(["seal", ...args], { env, ...(stdin !== undefined && { stdin }) });
  expect(result.err).toBe("");
  expect(result.code).toBe(0);
  return result.out.trim();
}

describe("seal", () => {
  it("seals a session that the library reads as a cookie", async () => {
    const token = await sealed(['{"user":"ada","role":"admin"}', "--id", "s-1"]);
    expect(token).toMatch(/^Fe26\.2\*\*/);
    const handler = toWebHandler(async (event) => getSession(event, { password: PASSWORD }));
    const response = await handler(new Request("http://localhost/", { headers: { cookie: `h3=${token}` } }));
    expect(await response.json()).toMatchObject({ id: "s-1", data: { user: "ada", role: "admin" } });
  });

  it("reads DATA from standard input and the password from --password", async () => {
    const result = await cli(["seal", "--password", OTHER_PASSWORD], { stdin: '{"cart":[1,2]}\n' });
    expect(result.code).toBe(0);
    const session = await unsealSession(
      { req: new Request("http://x/") },
      { password: OTHER_PASSWORD },
      result.out.trim(),
    );
    expect(session.data).toEqual({ cart: [1, 2] });
  });

  it("writes --ttl, --iterations, --password-id and --name into the token", async () => {
    const before = Date.now();
    const token = await sealed(['{"a":1}', "--ttl", "1h", "--iterations", "1", "--password-id", "k2", "--name", "app"]);
    const [, id, , , , expiration] = token.split("*");
    expect(id).toBe("k2");
    expect(Number(expiration)).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(Number(expiration)).toBeLessThan(before + 3_600_000 + 5_000);
    // 1 iteration is what h3 v1 and vinxi write and read.
    expect(await unseal(token, { k2: PASSWORD }, { iterations: 1, legacyFallback: false })).toMatchObject({
      purpose: "app",
      data: { a: 1 },
    });
  });

  it("seals any JSON value as it is with --raw", async () => {
    const token = await sealed(["[1,2,3]", "--raw"]);
    expect(await unseal(token, PASSWORD)).toEqual([1, 2, 3]);
  });

  it("refuses bad DATA and options with exit code 1", async () => {
    for (const args of [
      ["not json"],
      ["[1]"],
      ["{}", "--ttl", "soon"],
      ["{}", "--iterations", "0"],
      ["1", "--raw", "--id", "x"],
    ]) {
      const result = await cli(["seal", ...args], { env });
      expect(result.code, args.join(" ")).toBe(1);
    }
    expect((await cli(["seal"], { env })).err).toContain("no DATA");
  });

  it("exits 3 without a usable password", async () => {
    const missing = await cli(["seal", "{}"]);
    expect(missing.code).toBe(3);
    expect(missing.err).toContain("ERR_CONFIG: no password: pass --password or set SESSION_SECRET");
    const short = await cli(["seal", "{}", "--password", "too-short"]);
    expect(short.code).toBe(3);
    expect(short.err).toContain("at least 32 characters");
    expect(short.err).not.toContain("too-short");
  });

  it("exits 3 when SESSION_SECRET or --password starts like JSON but is not JSON", async () => {
    for (const [args, env] of [
      [["seal", "{}"], { SESSION_SECRET: "[" }],
      [["seal", "{}"], { SESSION_SECRET: '{"id":"k1","secret":"s3cr3t-but-not-json' }],
      [["unseal", "Fe26.2*x"], { SESSION_SECRET: "[" }],
      [["seal", "{}", "--password", "{oops"], {}],
    ] as const) {
      const result = await cli(args, { env });
      expect(result.code, `${args.join(" ")} ${JSON.stringify(env)}`).toBe(3);
      expect(result.err).toMatch(/ERR_CONFIG: (SESSION_SECRET|--password) starts like JSON but does not parse as JSON/);
      expect(result.err.trim().split("\n")).toHaveLength(1);
      expect(result.err).not.toContain("s3cr3t");
    }
  });
});

describe("unseal", () => {
  it("prints id, createdAt, expiry, the password id and the data", async () => {
    const token = await sealed(['{"user":"ada"}', "--id", "s-9", "--ttl", "30m", "--password-id", "k2"]);
    const result = await cli(["unseal", token], {
      env: { SESSION_SECRET: JSON.stringify({ id: "k2", secret: PASSWORD }) },
    });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^id +s-9$/m);
    expect(result.out).toMatch(/^created +\d{4}-\d\d-\d\dT.*Z \(now\)$/m);
    expect(result.out).toMatch(/^expires +.*\(in (29 min 5\d s|30 min)\)$/m);
    expect(result.out).toMatch(/^password id +k2$/m);
    expect(result.out).toContain('data\n{\n  "user": "ada"\n}');
  });

  it("tells which of several passwords matched, and that it is not the current one", async () => {
    const token = await sealed(['{"v":1}', "--password-id", "old"]);
    const passwords = JSON.stringify([
      { id: "new", secret: OTHER_PASSWORD },
      { id: "old", secret: PASSWORD },
    ]);
    const result = await cli(["unseal", token, "--json"], { env: { SESSION_SECRET: passwords } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ ok: true, passwordId: "old", rotated: true, legacy: false });
  });

  it("opens h3 v1 / vinxi tokens (1 iteration) and says so", async () => {
    const token = await seal({ id: "v1", createdAt: Date.now(), data: {} }, PASSWORD, { iterations: 1 });
    const result = await cli(["unseal", token], { env });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^iterations +1 \(h3 v1/m);
  });

  it("exits 2 with the code and its meaning when the token is refused", async () => {
    const token = await sealed(['{"a":1}']);
    const tampered = `${token.slice(0, 120)}${token[120] === "A" ? "B" : "A"}${token.slice(121)}`;
    const cases: [string, string[], string][] = [
      ["ERR_SEAL_MAC", [tampered], "altered"],
      ["ERR_SEAL_MAC", [token, "--password", OTHER_PASSWORD], "different password"],
      ["ERR_SEAL_FORMAT", ["Fe26.2*garbage"], "not an iron seal"],
      ["ERR_SESSION_PURPOSE", [await sealed(['{"a":1}', "--name", "app"]), "--name", "other"], "another name"],
    ];
    for (const [code, args, meaning] of cases) {
      const result = await cli(["unseal", ...args], { env });
      expect(result.code, code).toBe(2);
      expect(result.err).toContain(`sealed-session unseal: ${code}:`);
      expect(result.err).toMatch(new RegExp(`meaning: .*${meaning}`));
    }
  });

  it("reports expiry: the token's own, and --max-age / --idle-timeout as a server would", async () => {
    // Sealed as if two minutes ago with a 1 s ttl: past the 60 s clock-skew allowance.
    const old = await seal({ id: "x", createdAt: Date.now(), data: {} }, PASSWORD, {
      ttl: 1000,
      localtimeOffsetMsec: -120_000,
    });
    const expired = await cli(["unseal", old, "--json"], { env });
    expect(expired.code).toBe(2);
    expect(JSON.parse(expired.out)).toMatchObject({ ok: false, code: "ERR_SEAL_EXPIRED" });

    const aged = await seal({ id: "y", createdAt: Date.now() - 7_200_000, data: {} }, PASSWORD);
    expect((await cli(["unseal", aged], { env })).code).toBe(0);
    const tooOld = await cli(["unseal", aged, "--max-age", "1h"], { env });
    expect(tooOld.code).toBe(2);
    expect(tooOld.err).toContain("ERR_SESSION_EXPIRED");
    expect((await cli(["unseal", aged, "--idle-timeout", "30m"], { env })).code).toBe(2);
  });

  it("reassembles a chunked session from a Cookie header", async () => {
    const config = { password: PASSWORD };
    const handler = toWebHandler(async (event) => {
      await updateSession(event, config, { blob: "x".repeat(6000) });
      return "ok";
    });
    const response = await handler(new Request("https://localhost/"));
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
    expect(cookie).toMatch(/^h3=__chunked__\d; h3\.1=Fe26\.2/);
    const result = await cli(["unseal", "--json"], { env, stdin: `Cookie: other=1; ${cookie}\n` });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).session.data.blob).toHaveLength(6000);

    const missing = await cli(["unseal"], { env, stdin: cookie.replace(/; h3\.2=[^;]+/, "") });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("chunks h3.2 are missing");
    const ambiguous = await cli(["unseal", `a=${await sealed(["{}"])}; b=${await sealed(["{}"])}`], { env });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toContain("pick one with --name");
  });
});

describe("unseal --json", () => {
  /** Runs `unseal --json …` and checks that stdout is one JSON error object and stderr is empty. */
  async function failure(args: string[], options: Parameters<typeof cli>[1]) {
    const result = await cli(["unseal", "--json", ...args], options);
    expect(result.err).toBe("");
    const report = JSON.parse(result.out);
    expect(Object.keys(report).sort()).toEqual(["code", "meaning", "message", "ok"]);
    expect(report.ok).toBe(false);
    expect(report.meaning).toEqual(expect.any(String));
    return { code: result.code, report };
  }

  it("prints one JSON object when picking the token fails", async () => {
    const token = await sealed(["{}"]);
    const ambiguous = await failure([`a=${token}; b=${token}`], { env });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.report).toMatchObject({ code: "ERR_USAGE", message: expect.stringContaining("--name") });

    const none = await failure(["Cookie: theme=dark"], { env });
    expect(none.code).toBe(1);
    expect(none.report).toMatchObject({ code: "ERR_USAGE", message: expect.stringContaining("no session cookie") });

    const missing = await failure([], { env, stdin: "h3=__chunked__2; h3.1=Fe26.2*abc" });
    expect(missing.code).toBe(2);
    expect(missing.report).toMatchObject({ code: "ERR_SEAL_FORMAT", message: expect.stringContaining("h3.2") });
  });

  it("prints one JSON object when reading the password fails", async () => {
    const token = await sealed(["{}"]);
    const none = await failure([token], { env: {} });
    expect(none.code).toBe(3);
    expect(none.report).toMatchObject({ code: "ERR_CONFIG", message: expect.stringContaining("no password") });

    const badJson = await failure([token], { env: { SESSION_SECRET: "[" } });
    expect(badJson.code).toBe(3);
    expect(badJson.report).toMatchObject({ code: "ERR_CONFIG", message: expect.stringContaining("SESSION_SECRET") });

    const short = await failure([token, "--password", "too-short"], { env: {} });
    expect(short.code).toBe(3);
    expect(short.report.code).toBe("ERR_CONFIG");
  });

  it("prints one JSON object for usage errors too", async () => {
    for (const args of [["--bogus"], [], ["Fe26.2*x", "--max-age", "soon"], ["Fe26.2*x", "--iterations", "0"]]) {
      const { code, report } = await failure(args, { env });
      expect(code, args.join(" ")).toBe(1);
      expect(report.code, args.join(" ")).toBe("ERR_USAGE");
    }
  });
});
