import { clearSession, eventHandler, type SessionConfig } from "../../../src/index.ts";

const sessionConfig = {
  password: process.env.SESSION_SECRET,
} as SessionConfig;

export default eventHandler(async (event) => {
  await clearSession(event, sessionConfig);
});
