import type { SessionConfig } from "sealed-session";

export type AppSession = { user?: string; visits?: number };

// One config object for the whole app: pages, Server Actions and Route Handlers share it.
export const sessionConfig: SessionConfig = {
  password: process.env.SESSION_SECRET!,
  name: "app-session",
  maxAge: 60 * 60 * 24 * 7,
};
