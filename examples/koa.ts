import Koa from "koa";
import { session } from "sealed-session/koa";

const app = new Koa();
app.use(session({ password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } }));

app.use(async (ctx) => {
  await ctx.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
  ctx.body = { visits: ctx.session.data.visits };
});

export const server = app.listen(Number(process.env.PORT ?? 3000));
