// Bun: `bun examples/elysia.ts`
import { Elysia } from "elysia";
import { session } from "sealed-session/elysia";

export const app = new Elysia()
  .use(session<{ visits?: number }>({ password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } }))
  .get("/", async ({ session }) => {
    await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
    return { visits: session.data.visits };
  })
  .listen(Number(process.env.PORT ?? 3000));

console.log(`Listening on ${app.server?.url}`);
