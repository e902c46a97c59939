// This library with default options: useSession with { password } only.
import { createServer } from "node:http";
import { eventHandler, HTTPError, type SessionConfig, toNodeListener, useSession } from "../../src/index.ts";
import { type Counter, PASSWORD, ready } from "./common.ts";

const config: SessionConfig<Counter> = { password: PASSWORD };

const handler = eventHandler(async (event) => {
  const path = event.url.pathname;
  if (path === "/read") {
    const session = await useSession<Counter>(event, config);
    return { count: session.data.count ?? 0 };
  }
  if (path === "/write") {
    const session = await useSession<Counter>(event, config);
    await session.update((data) => ({ count: (data.count ?? 0) + 1 }));
    return { count: session.data.count };
  }
  throw new HTTPError(404);
});

ready(createServer(toNodeListener(handler)));
