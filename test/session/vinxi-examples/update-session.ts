import { eventHandler, type SessionConfig, updateSession } from "../../../src/index.ts";

const sessionConfig = {
  password: process.env.SESSION_SECRET,
} as SessionConfig;

type SessionData = {
  user: string;
  role: string;
};

export default eventHandler(async (event) => {
  const session = await updateSession<SessionData>(event, sessionConfig, {
    role: "member",
  });
});
