import { describe, expect, it } from "vitest";
import { sessionCases } from "../runtimes/session-cases.ts";

describe.each([
  { backend: "platform (node:crypto)", options: {} },
  { backend: "webcrypto", options: { crypto: globalThis.crypto } },
])("session conformance on $backend", ({ options }) => {
  it.each(sessionCases)("$name", async ({ run }) => {
    await expect(run(options)).resolves.toBeUndefined();
  });
});
