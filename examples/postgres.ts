import { eventHandler, postgresStore, type SessionConfig, useSession } from "sealed-session";

type Data = { user?: string; cart?: string[] };

export const store = postgresStore({ connectionString: process.env.DATABASE_URL! });
await store.migrate(); // creates the table once; or run `npx sealed-session migrate postgres` at deploy time

const config: SessionConfig<Data> = {
  password: process.env.SESSION_SECRET!,
  store,
  maxAge: 7 * 24 * 3600,
  userId: (data) => data.user,
};

export const handler = eventHandler(async (event) => {
  const session = await useSession<Data>(event, config);
  const item = event.url.searchParams.get("add");
  // Parallel requests adding to other keys of this session all land: the store merges per key.
  if (item) await session.update({ cart: [...(session.data.cart ?? []), item] });
  return { cart: session.data.cart ?? [] };
});
