// h3 2.x with its defaults: an H3 app served by node:http through srvx's toNodeHandler.
import { createServer } from "node:http";
import { H3, toNodeHandler, useSession } from "h3";
import { type Counter, PASSWORD, ready } from "./common.ts";

const config = { password: PASSWORD };
const app = new H3()
  .get("/read", async (event) => {
    const session = await useSession<Counter>(event, config);
    return { count: session.data.count ?? 0 };
  })
  .get("/write", async (event) => {
    const session = await useSession<Counter>(event, config);
    await session.update((data: Counter) => ({ count: (data.count ?? 0) + 1 }));
    return { count: session.data.count };
  });

ready(createServer(toNodeHandler(app)));
