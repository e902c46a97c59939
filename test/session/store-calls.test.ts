/** A store that fails: each session function names the store call that failed. */
import { describe, expect, it } from "vitest";
import {
  clearSession,
  getSession,
  listUserSessions,
  memoryStore,
  regenerateSession,
  revokeUserSessions,
  type SessionConfig,
  type SessionStore,
  sealSession,
  unsealSession,
  updateSession,
} from "../../src/index.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const event = (cookie?: string) => ({
  req: new Request("http://localhost/", cookie ? { headers: { cookie } } : {}),
  res: { headers: new Headers() },
  context: {},
});
const message = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: Error) => error.message,
  );

describe("a failing store call", () => {
  it("is named in the 503 message", async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const config: SessionConfig = { password, store, userId: (data) => data.user as string | undefined };
    const first = event();
    await updateSession(first, config, { user: "ada" });
    const cookie = first.res.headers.getSetCookie()[0]!.split(";")[0]!;
    const token = await sealSession(event(cookie), config);
    const failing = (method: keyof SessionStore): SessionConfig => ({
      ...config,
      store: { ...store, [method]: () => Promise.reject(new Error("down")) } as SessionStore,
    });
    expect([
      await message(getSession(event(cookie), failing("get"))),
      await message(unsealSession(event(), failing("get"), token)),
      await message(updateSession(event(cookie), failing("update"), { n: 1 })),
      await message(clearSession(event(cookie), failing("delete"))),
      await message(regenerateSession(event(cookie), failing("delete"))),
      await message(listUserSessions(failing("listByUser"), "ada")),
      await message(listUserSessions(failing("get"), "ada")),
      await message(revokeUserSessions(failing("delete"), "ada")),
    ]).toEqual([
      "session store failed on get",
      "session store failed on get",
      "session store failed on update",
      "session store failed on delete",
      "session store failed on delete",
      "session store failed on listByUser",
      "session store failed on get",
      "session store failed on delete",
    ]);
  });
});
