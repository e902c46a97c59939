import { eventHandler, getSession, type SessionConfig } from "../../../src/index.ts";

const sessionConfig = {
  password: process.env.SESSION_SECRET,
} as SessionConfig;

type SessionData = {
  user: string;
  role: string;
};

export default eventHandler(async (event) => {
  const session = await getSession<SessionData>(event, sessionConfig);

  session.data; // { user: "vinxi", role: "admin" }
  session.id; // "xas21312
  session.createdAt;
});
