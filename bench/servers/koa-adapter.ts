// koa 3 + sealed-session/koa with default options: `app.use(session(config))`.
import { createServer } from "node:http";
import Koa from "koa";
import { session } from "sealed-session/koa";
import { PASSWORD, ready } from "./common.ts";

const app = new Koa();
app.use(session({ password: PASSWORD }));
app.use(async (ctx) => {
  if (ctx.path === "/read") ctx.body = { count: ctx.session.data.count ?? 0 };
  else if (ctx.path === "/write") {
    await ctx.session.update((data) => ({ count: Number(data.count ?? 0) + 1 }));
    ctx.body = { count: ctx.session.data.count };
  } else ctx.status = 404;
});

ready(createServer(app.callback()));
