// Fastify 5 + this library's plugin (sealed-session/fastify) with default options.
import { createServer } from "node:http";
import Fastify from "fastify";
import { sessionPlugin } from "sealed-session/fastify";
import { PASSWORD, ready } from "./common.ts";

const app = Fastify({ serverFactory: (handler) => createServer(handler) });
await app.register(sessionPlugin, { password: PASSWORD });
app.get("/read", async (request) => ({ count: Number(request.session.data.count ?? 0) }));
app.get("/write", async (request) => {
  await request.session.update((data) => ({ count: Number(data.count ?? 0) + 1 }));
  return { count: request.session.data.count };
});

await app.ready();
ready(app.server);
