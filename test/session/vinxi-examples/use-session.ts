import { eventHandler, type SessionConfig, useSession } from "../../../src/index.ts";

const sessionConfig = {
  password: process.env.SESSION_SECRET,
} as SessionConfig;

type SessionData = {
  user: string;
  role: string;
};

export default eventHandler(async (event) => {
  const session = await useSession<SessionData>(event, sessionConfig);

  session.data; // { user: "vinxi", role: "admin" }
  session.id; // "14678"
  await session.update({ role: "member" });
  await session.clear();
});
