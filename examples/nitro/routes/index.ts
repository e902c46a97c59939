// routes/index.ts: no import needed, the module makes `useSession` sealed-session's.
export default defineEventHandler(async (event) => {
  const session = await useSession<{ visits?: number }>(event, { password: process.env.SESSION_SECRET! });
  await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  return { visits: session.data.visits };
});
