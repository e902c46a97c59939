/** Sealed values that open but are not sessions of this config, and schemas that refuse: what each refusal says. */
import { describe, expect, it } from "vitest";
import { type SessionConfig, type StandardSchemaV1, unsealSession } from "../../src/index.ts";
import { seal } from "../../src/seal/index.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const event = { req: new Request("http://localhost/"), res: { headers: new Headers() } };
const opened = async (value: unknown, config: SessionConfig = { password }) =>
  unsealSession(event, config, await seal(value, password)).then(
    (session) => session,
    (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
  );

describe("a sealed value that is no session", () => {
  it("is refused with the field that is wrong", async () => {
    const now = Date.now();
    const cases: [unknown, string][] = [
      [[1], "not an object"],
      ["text", "not an object"],
      [{ createdAt: now }, "bad id"],
      [{ id: "", createdAt: now }, "bad id"],
      [{ id: "x".repeat(257), createdAt: now }, "bad id"],
      [{ id: "a" }, "bad createdAt"],
      [{ id: "a", createdAt: "1" }, "bad createdAt"],
      [{ id: "a", createdAt: now, lastSeenAt: "1" }, "bad lastSeenAt"],
      [{ id: "a", createdAt: now, data: [1] }, "bad data"],
      [{ id: "a", createdAt: now, data: null }, "bad data"],
      [{ id: "a", createdAt: now, flash: "hi" }, "bad flash"],
    ];
    for (const [value, reason] of cases) {
      expect(await opened(value)).toBe(`ERR_SESSION_SHAPE: the sealed session has the wrong shape: ${reason}`);
    }
    expect(await opened({ id: "a", createdAt: now, purpose: "other" })).toBe(
      "ERR_SESSION_PURPOSE: the seal was made for another session name",
    );
  });

  it("takes the longest id, a lastSeenAt, and no data as empty data", async () => {
    const now = Date.now();
    const id = "x".repeat(256);
    expect(await opened({ id, createdAt: now, lastSeenAt: now, purpose: "h3" })).toEqual({
      id,
      createdAt: now,
      lastSeenAt: now,
      data: {},
    });
  });
});

describe("a schema that refuses", () => {
  type Schema = StandardSchemaV1<unknown, Record<string, unknown>>;
  const schema = (validate: Schema["~standard"]["validate"]): Schema => ({
    "~standard": { version: 1, vendor: "test", validate },
  });
  const session = { id: "a", createdAt: Date.now(), data: { n: 1 } };

  it("says what failed first, or that it threw (keeping the cause)", async () => {
    const issues = (list: { message: string }[]) => schema(() => ({ issues: list }));
    expect(await opened(session, { password, schema: issues([{ message: "n must be a string" }]) })).toBe(
      "ERR_SESSION_SCHEMA: the session data failed the schema: n must be a string",
    );
    expect(await opened(session, { password, schema: issues([]) })).toBe(
      "ERR_SESSION_SCHEMA: the session data failed the schema: invalid",
    );
    const cause = new Error("boom");
    const throwing = schema(() => {
      throw cause;
    });
    const error = await unsealSession(event, { password, schema: throwing }, await seal(session, password)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "ERR_SESSION_SCHEMA",
      message: "the session schema threw while validating",
      cause,
    });
  });

  it("returns the schema's output, which may differ from its input", async () => {
    const doubling = schema((value) => ({ value: { n: (value as { n: number }).n * 2 } }));
    expect((await opened(session, { password, schema: doubling })) as object).toMatchObject({ data: { n: 2 } });
  });
});
