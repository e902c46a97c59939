// koa 3 + koa-session with its defaults: the session in a signed cookie
// (base64 JSON plus a keygrip signature cookie; signed, not encrypted).
import { createServer } from "node:http";
import Koa from "koa";
import createSession from "koa-session";
import { PASSWORD, ready } from "./common.ts";

const app = new Koa();
app.keys = [PASSWORD];
app.use(createSession(app));
app.use((ctx) => {
  // koa-session's own Session type; ctx.session is sealed-session/koa's in this repository.
  const state = (ctx as unknown as { session: { count?: number } }).session;
  if (ctx.path === "/read") ctx.body = { count: state.count ?? 0 };
  else if (ctx.path === "/write") {
    state.count = (state.count ?? 0) + 1;
    ctx.body = { count: state.count };
  } else ctx.status = 404;
});

ready(createServer(app.callback()));
