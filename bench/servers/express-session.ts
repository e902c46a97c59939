// express 5 + express-session with its defaults (MemoryStore, signed session-id
// cookie), connect-redis on node-redis when BENCH_STORE=redis, or
// connect-pg-simple on node-postgres when BENCH_STORE=postgres.
import { createServer } from "node:http";
import connectPgSimple from "connect-pg-simple";
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import pg from "pg";
import { createClient } from "redis";
import { PASSWORD, POSTGRES_URL, REDIS_URL, ready } from "./common.ts";

// Typed here, not by augmenting Express.Request: this repository also declares
// `req.session` (sealed-session/express), and one program holds both.
type CounterSession = session.Session & { count?: number };

let store: session.Store | undefined;
if (process.env.BENCH_STORE === "redis") {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  store = new RedisStore({ client, prefix: "express-session-bench:" });
} else if (process.env.BENCH_STORE === "postgres") {
  const PgStore = connectPgSimple(session);
  const pool = new pg.Pool({ connectionString: POSTGRES_URL });
  store = new PgStore({ pool, tableName: "express_session_bench", createTableIfMissing: true });
}

const app = express();
app.use(session({ secret: PASSWORD, resave: false, saveUninitialized: false, ...(store ? { store } : {}) }));
app.get("/read", (req, res) => {
  const state = req.session as unknown as CounterSession;
  res.json({ count: state.count ?? 0 });
});
app.get("/write", (req, res) => {
  const state = req.session as unknown as CounterSession;
  state.count = (state.count ?? 0) + 1;
  res.json({ count: state.count });
});

ready(createServer(app));
