// express 5 + sealed-session/express with default options: `app.use(session(config))`.
import { createServer } from "node:http";
import express from "express";
import { session } from "sealed-session/express";
import { PASSWORD, ready } from "./common.ts";

const app = express();
app.use(session({ password: PASSWORD }));
app.get("/read", (req, res) => {
  res.json({ count: req.session.data.count ?? 0 });
});
app.get("/write", async (req, res) => {
  await req.session.update((data) => ({ count: Number(data.count ?? 0) + 1 }));
  res.json({ count: req.session.data.count });
});

ready(createServer(app));
