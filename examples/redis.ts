import {
  eventHandler,
  HTTPError,
  redisStore,
  revokeUserSessions,
  type SessionConfig,
  useSession,
} from "sealed-session";

type Data = { user?: string };

export const store = redisStore({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });

const config: SessionConfig<Data> = {
  password: process.env.SESSION_SECRET!,
  store,
  maxAge: 7 * 24 * 3600,
  idleTimeout: 24 * 3600,
  userId: (data) => data.user,
};

export const handler = eventHandler(async (event) => {
  const session = await useSession<Data>(event, config);
  switch (event.url.pathname) {
    case "/sign-in":
      await session.regenerate(); // a new id on every privilege change
      await session.update({ user: event.url.searchParams.get("user") ?? "ada" });
      return { user: session.data.user };
    case "/sign-out":
      await session.clear(); // the record is deleted: a replayed cookie finds nothing
      return null;
    case "/sign-out-everywhere":
      if (!session.data.user) throw new HTTPError(401);
      return { revoked: await revokeUserSessions(config, session.data.user) };
    default:
      return { user: session.data.user ?? null };
  }
});
