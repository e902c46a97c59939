import { createSealedSessionStorage } from "sealed-session/react-router";

type SessionData = { user: string; visits: number };
type SessionFlashData = { notice: string };

// Sealed with iron, same format as every sealed-session adapter; add `store` to keep the data server-side.
export const { getSession, commitSession, destroySession } = createSealedSessionStorage<SessionData, SessionFlashData>({
  password: process.env.SESSION_SECRET!,
  name: "app-session",
  maxAge: 60 * 60 * 24 * 7,
});
