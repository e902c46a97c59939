import { eventHandler, type SessionConfig, unsealSession } from "../../../src/index.ts";

const sessionConfig = {
  password: process.env.SESSION_SECRET,
} as SessionConfig;

export default eventHandler(async (event) => {
  const sealed = event.req.headers.get("x-sealed") ?? "";
  const session = await unsealSession(event, sessionConfig, sealed);
  return session;
});
