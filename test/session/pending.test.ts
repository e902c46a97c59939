/**
 * The lazy session of the framework adapters (openSession) and the tracking
 * they hold a response on (settled, hasPending). Tested here, below the
 * adapters, because the adapter suites build whole apps.
 */
import { describe, expect, it } from "vitest";
import { eventIO } from "../../src/event/io.ts";
import { memoryStore } from "../../src/index.ts";
import { openSession } from "../../src/session/manager.ts";
import { hasPending, settled, track } from "../../src/session/pending.ts";

const password = "Vq8-zK2r!mW4xT9bLp0sY7nE3dH6jC1u";
const event = () => ({ req: new Request("http://localhost/"), res: { headers: new Headers() }, context: {} });

describe("openSession and the pending writes", () => {
  it("writes nothing for a session that is only read", async () => {
    const e = event();
    expect(hasPending(eventIO(e))).toBe(false);
    const session = await openSession(e, { password });
    expect(session.data).toEqual({});
    expect(typeof session.id).toBe("string");
    expect(hasPending(eventIO(e))).toBe(false);
    expect(e.res.headers.getSetCookie()).toEqual([]);
  });

  it("tracks a write the app did not await until it lands, then nothing", async () => {
    const e = event();
    const io = eventIO(e);
    const session = await openSession<{ n?: number }>(e, { password, store: memoryStore({ sweepInterval: 0 }) });
    void session.update({ n: 1 });
    expect(hasPending(io)).toBe(true);
    expect(await settled(io)).toEqual([]);
    expect(hasPending(io)).toBe(false);
    expect(e.res.headers.getSetCookie()).toHaveLength(1);
  });

  it("settled() resolves with the errors of failed operations, including ones started meanwhile, and never rejects", async () => {
    const io = eventIO(event());
    expect(await settled(io)).toEqual([]);
    const first = new Error("first");
    const second = new Error("second");
    let failSecond!: (error: Error) => void;
    track(
      io,
      Promise.reject(first).catch((error: Error) => {
        // An operation that starts another one before it settles.
        track(
          io,
          new Promise((_, reject) => {
            failSecond = reject;
          }),
        ).catch(() => {});
        setTimeout(() => failSecond(second), 5);
        throw error;
      }),
    ).catch(() => {});
    track(io, Promise.resolve("ok"));
    expect(await settled(io)).toEqual([first, second]);
    expect(hasPending(io)).toBe(false);
  });

  it("track() returns the operation itself", async () => {
    const io = eventIO(event());
    const operation = Promise.resolve(42);
    expect(track(io, operation)).toBe(operation);
    await settled(io);
  });
});
