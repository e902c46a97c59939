// express 5 + express-session with its defaults (MemoryStore, signed session-id cookie).
import { createServer } from "node:http";
import express from "express";
import session from "express-session";
import { PASSWORD, ready } from "./common.ts";

declare module "express-session" {
  interface SessionData {
    count?: number;
  }
}

const app = express();
app.use(session({ secret: PASSWORD, resave: false, saveUninitialized: false }));
app.get("/read", (req, res) => {
  res.json({ count: req.session.count ?? 0 });
});
app.get("/write", (req, res) => {
  req.session.count = (req.session.count ?? 0) + 1;
  res.json({ count: req.session.count });
});

ready(createServer(app));
