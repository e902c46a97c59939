import { describe, expect, it } from "vitest";
import { SessionError } from "../src/index.ts";
import { seal, unseal } from "../src/seal/index.ts";

describe("SessionError stacks", () => {
  it("a refused cookie carries no stack frames (they cost most of a refusal and show only library code)", async () => {
    const error = await unseal("Fe26.2**not-a-seal", "x".repeat(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe("ERR_SEAL_FORMAT");
    expect((error as SessionError).stack).not.toMatch(/\n\s+at /);
  });

  it("a configuration error keeps its stack, which points at the developer's call", async () => {
    const error = await seal({}, "short").catch((e: unknown) => e);
    expect((error as SessionError).code).toBe("ERR_CONFIG");
    expect((error as SessionError).stack).toMatch(/\n\s+at /);
  });

  it("leaves Error.stackTraceLimit as it found it", () => {
    const before = Error.stackTraceLimit;
    new SessionError("ERR_SEAL_MAC", "refused");
    expect(Error.stackTraceLimit).toBe(before);
  });
});
