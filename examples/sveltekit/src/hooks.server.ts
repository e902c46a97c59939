// src/hooks.server.ts
import { handleSession } from "sealed-session/sveltekit";

export const handle = handleSession<App.SessionData>({ password: process.env.SESSION_SECRET! });
