import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/run.ts";
import { cli } from "./harness.ts";

describe("sealed-session (dispatch and help)", () => {
  it("prints usage and exits 1 without a command", async () => {
    const result = await cli([]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("Usage: sealed-session <command>");
    expect(result.out).toBe("");
  });

  it("lists every command and the exit codes under --help", async () => {
    const result = await cli(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["keygen", "seal", "unseal", "inspect", "demo"])
      expect(result.out).toContain(`  ${command} `);
    expect(result.out).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}usage/);
  });

  it.each(COMMANDS.map((command) => command.name))("%s --help prints its usage and exits 0", async (name) => {
    const result = await cli([name, "--help"]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^Usage: sealed-session ${name}\\b`));
    expect(await cli(["help", name])).toEqual(result);
  });

  it("rejects an unknown command or option with exit code 1", async () => {
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const option = await cli(["keygen", "--bogus"]);
    expect(option.code).toBe(1);
    expect(option.err).toMatch(/--bogus[\s\S]*Run "sealed-session keygen --help"/);
  });

  it("prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(await cli(["--version"])).toEqual({ code: 0, out: `${version}\n`, err: "" });
  });
});

describe("keygen", () => {
  it("prints base64url of 32 random bytes, different every time", async () => {
    const first = await cli(["keygen"]);
    const second = await cli(["keygen"]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^[\w-]{43}\n$/);
    expect(second.out).not.toBe(first.out);
  });

  it("makes passwords of --length characters, from 32 on", async () => {
    expect((await cli(["keygen", "--length", "64"])).out).toMatch(/^[\w-]{64}\n$/);
    expect((await cli(["keygen", "-l", "32"])).out).toMatch(/^[\w-]{32}\n$/);
    const short = await cli(["keygen", "--length", "16"]);
    expect(short.code).toBe(1);
    expect(short.err).toContain("--length must be from 32");
    expect((await cli(["keygen", "--length", "many"])).code).toBe(1);
  });
});
