import { createServer } from "node:http";
import { eventHandler, type SessionConfig, toNodeListener, useSession } from "sealed-session";

const config: SessionConfig = { password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } };

const handler = eventHandler(async (event) => {
  const session = await useSession<{ visits?: number }>(event, config);
  await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  return { visits: session.data.visits };
});

export const server = createServer(toNodeListener(handler)).listen(Number(process.env.PORT ?? 3000));
