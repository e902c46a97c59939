// Node 20: `npx tsx examples/fastify.ts`
import Fastify from "fastify";
import { sessionPlugin } from "sealed-session/fastify";

declare module "sealed-session/fastify" {
  interface FastifySessionData {
    visits?: number;
  }
}

export const app = Fastify();
await app.register(sessionPlugin, { password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } });

app.get("/", async (request) => {
  await request.session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  return { visits: request.session.data.visits };
});

await app.listen({ port: Number(process.env.PORT ?? 3000) });
