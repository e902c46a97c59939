import { describe, expect, it } from "vitest";
import { cli } from "./harness.ts";

// Every case fails before the demo is loaded: no server is started in-process.
describe("sealed-session demo: port validation", () => {
  it.each(["abc", "80x", "-1", "1.5", "65536", "70000", " 3000"])("exits 3 for PORT=%j, in one line", async (port) => {
    const result = await cli(["demo"], { env: { PORT: port } });
    expect(result.code).toBe(3);
    expect(result.out).toBe("");
    expect(result.err).toMatch(
      /^sealed-session demo: ERR_CONFIG: PORT must be a port number from 0 to 65535 \(got ".*"\)\n$/,
    );
  });

  it.each(["abc", "65536", "-5"])("exits 1 (usage) for --port %s", async (port) => {
    const result = await cli(["demo", `--port=${port}`], { env: { PORT: "3000" } });
    expect(result.code).toBe(1);
    expect(result.err).toContain("--port must be a port number from 0 to 65535");
  });
});
