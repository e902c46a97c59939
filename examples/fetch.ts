// Bun: `bun examples/fetch.ts` · Deno: `deno serve --allow-env=SESSION_SECRET examples/fetch.ts` · Workers: `wrangler dev examples/fetch.ts`
import { eventHandler, type SessionConfig, toWebHandler, useSession } from "sealed-session";

const config: SessionConfig = { password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } };

const handler = eventHandler(async (event) => {
  const session = await useSession<{ visits?: number }>(event, config);
  await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  return { visits: session.data.visits };
});

export default { fetch: toWebHandler(handler) };
