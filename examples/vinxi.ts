// vinxi, Nitro and Nuxt 3 (h3 v1): change only the import path of useSession.
import { defineEventHandler } from "h3-v1";
import { type SessionConfig, useSession } from "sealed-session";

const config: SessionConfig = { password: process.env.SESSION_SECRET! };

export default defineEventHandler(async (event) => {
  const session = await useSession<{ visits?: number }>(event, config);
  await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  return { visits: session.data.visits };
});
