// express 5 + sealed-session/express with default options: `app.use(session(config))`;
// BENCH_STORE=memory keeps the sessions in memoryStore(), as express-session's MemoryStore does.
import { createServer } from "node:http";
import express from "express";
import { memoryStore } from "sealed-session";
import { session } from "sealed-session/express";
import { PASSWORD, ready } from "./common.ts";

const app = express();
app.use(session({ password: PASSWORD, ...(process.env.BENCH_STORE === "memory" ? { store: memoryStore() } : {}) }));
app.get("/read", (req, res) => {
  res.json({ count: req.session.data.count ?? 0 });
});
app.get("/write", async (req, res) => {
  await req.session.update((data) => ({ count: Number(data.count ?? 0) + 1 }));
  res.json({ count: req.session.data.count });
});

ready(createServer(app));
