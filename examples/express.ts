import express from "express";
import { session } from "sealed-session/express";

const app = express();
app.use(session({ password: process.env.SESSION_SECRET!, cookie: { secure: "auto" } }));

app.get("/", async (req, res) => {
  await req.session.update((data) => ({ visits: Number(data.visits ?? 0) + 1 }));
  res.json({ visits: req.session.data.visits });
});

export const server = app.listen(Number(process.env.PORT ?? 3000));
