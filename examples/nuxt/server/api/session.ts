// server/api/session.ts: no import, the module makes `useSession` sealed-session's. The
// password comes from NUXT_SESSION_PASSWORD (or NITRO_SESSION_PASSWORD) via runtimeConfig.
type AppSession = { user?: string; visits?: number };

export default defineEventHandler(async (event) => {
  const session = await useSession<AppSession>(event, {
    password: useRuntimeConfig(event).session.password,
    name: "app-session",
  });
  if (event.method === "POST") {
    const { user } = await readBody<{ user: string }>(event);
    await session.regenerate(); // a new id at sign-in defeats session fixation
    await session.update({ user, visits: 0 });
  } else if (event.method === "PATCH") {
    await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  } else if (event.method === "DELETE") {
    await session.clear();
  }
  return session.data;
});
