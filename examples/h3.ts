// h3 v2 apps; in Nitro and vinxi (h3 v1) the same call works inside defineEventHandler.
import { H3 } from "h3";
import { type SessionConfig, useSession } from "sealed-session";

const config: SessionConfig = { password: process.env.SESSION_SECRET! };

export const app = new H3().get("/", async (event) => {
  const session = await useSession<{ visits?: number }>(event, config);
  await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  return { visits: session.data.visits };
});
