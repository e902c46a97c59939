import { describe, expect, it } from "vitest";
import { cases } from "./conformance.ts";

describe.each([
  { backend: "platform (node:crypto)", options: {} },
  { backend: "webcrypto", options: { crypto: globalThis.crypto } },
])("seal conformance on $backend", ({ options }) => {
  it.each(cases)("$name", async ({ run }) => {
    await expect(run(options)).resolves.toBeUndefined();
  });
});
