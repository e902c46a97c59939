import { describe, expect, it } from "vitest";
import { handleSession, type SvelteKitEvent } from "../../src/adapters/sveltekit.ts";
import type { SessionManager } from "../../src/session/types.ts";
import { downStore } from "../helpers/down-store.ts";

/** A request event with SvelteKit's cookie calls, recording what the hook sets. */
function requestEvent(): SvelteKitEvent & { set: string[]; locals: { session?: SessionManager } } {
  const set: string[] = [];
  return {
    request: new Request("http://localhost/"),
    url: new URL("http://localhost/"),
    cookies: { getAll: () => [], set: (name) => void set.push(name) },
    locals: {},
    set,
  };
}

// The hook inside a built SvelteKit app is tested in sveltekit.test.ts; this is the failure path, which needs a store that fails.
describe("sealed-session/sveltekit handleSession", () => {
  it("answers 503, not the route's 200, when a write it did not await fails on the store", async () => {
    const codes: string[] = [];
    const handle = handleSession({
      password: "q8Vt3LmZ0rXw6KpN2sHc9YbJ4fGd7Ua1",
      store: downStore(),
      onError: (code) => codes.push(code),
    });
    const event = requestEvent();
    const response = await handle({
      event,
      resolve: (e) => {
        void e.locals.session?.update({ visits: 1 });
        return new Response("ok");
      },
    });
    expect(response.status).toBe(503);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(event.set).toEqual([]);
    expect(codes).toEqual(["ERR_STORE_UNAVAILABLE"]);
  });

  it("returns the route's response once a write it did not await has landed", async () => {
    const event = requestEvent();
    const response = await handle()({
      event,
      resolve: (e) => {
        void e.locals.session?.update({ visits: 1 });
        return new Response("ok");
      },
    });
    expect(response.status).toBe(200);
    expect(event.set).toEqual(["h3"]);
  });
});

function handle() {
  return handleSession({ password: "q8Vt3LmZ0rXw6KpN2sHc9YbJ4fGd7Ua1" });
}
