// h3 1.x (as in vinxi and Nuxt 3): useSession with { password } only.
import { createServer } from "node:http";
import { createApp, createRouter, eventHandler, toNodeListener, useSession } from "h3-v1";
import { type Counter, PASSWORD, ready } from "./common.ts";

const config = { password: PASSWORD };
const router = createRouter()
  .get(
    "/read",
    eventHandler(async (event) => {
      const session = await useSession<Counter>(event, config);
      return { count: session.data.count ?? 0 };
    }),
  )
  .get(
    "/write",
    eventHandler(async (event) => {
      const session = await useSession<Counter>(event, config);
      await session.update((data) => ({ count: (data.count ?? 0) + 1 }));
      return { count: session.data.count };
    }),
  );

const app = createApp();
app.use(router);
ready(createServer(toNodeListener(app)));
