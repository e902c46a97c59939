import express from "express";
import { createEvent, type SessionConfig, useSession } from "sealed-session";

const config: SessionConfig = { password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } };

export const app = express();

app.get("/", async (req, res) => {
  const session = await useSession<{ visits?: number }>(createEvent(req, res), config);
  await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  res.json({ visits: session.data.visits });
});
