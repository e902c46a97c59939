import { describe, expect, it } from "vitest";
import { type SessionConfig, toWebHandler, useSession } from "../../src/index.ts";

const password = "Ck7!mW2-pQ9xR4tZ0vN6bL3yH8sD1gJ5aF";

async function setCookieFor(cookie: SessionConfig["cookie"]): Promise<string | { code: string }> {
  const errors: { code: string }[] = [];
  const handler = toWebHandler(async (event) => {
    try {
      await (await useSession(event, { password, cookie })).update({ n: 1 });
    } catch (error) {
      errors.push(error as { code: string });
    }
    return null;
  });
  const response = await handler(new Request("https://localhost/"));
  return errors[0] ?? response.headers.getSetCookie().join("\n");
}

describe("cookie.maxAge", () => {
  it("whole seconds from 1 to 400 days are written as they are", async () => {
    expect(await setCookieFor({ maxAge: 1 })).toContain("Max-Age=1;");
    expect(await setCookieFor({ maxAge: 400 * 24 * 3600 })).toContain("Max-Age=34560000;");
  });

  it("anything else is ERR_CONFIG, never Max-Age=1e+21, Expires=Invalid Date or Max-Age=0", async () => {
    for (const maxAge of [1e21, 0.5, 0, -1, 400 * 24 * 3600 + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(await setCookieFor({ maxAge })).toMatchObject({ code: "ERR_CONFIG" });
    }
  });
});
