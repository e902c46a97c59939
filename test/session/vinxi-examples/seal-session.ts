import { eventHandler, type SessionConfig, sealSession } from "../../../src/index.ts";

const sessionConfig = {
  password: process.env.SESSION_SECRET,
} as SessionConfig;

export default eventHandler(async (event) => {
  const sealed = await sealSession(event, sessionConfig);
  return sealed;
});
