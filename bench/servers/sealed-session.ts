// This library with default options: useSession with { password } only
// (plus `store: redisStore(...)` when BENCH_STORE=redis, postgresStore when postgres).
import { createServer } from "node:http";
import {
  eventHandler,
  HTTPError,
  postgresStore,
  redisStore,
  type SessionConfig,
  toNodeListener,
  useSession,
} from "sealed-session";
import { type Counter, PASSWORD, POSTGRES_URL, REDIS_URL, ready } from "./common.ts";

const config: SessionConfig<Counter> = { password: PASSWORD };
if (process.env.BENCH_STORE === "redis") {
  config.store = redisStore({ url: REDIS_URL, prefix: "sealed-session-bench:" });
} else if (process.env.BENCH_STORE === "redis-cluster") {
  const nodes = (process.env.REDIS_CLUSTER_NODES ?? "").split(",").map((node) => {
    const [host, port] = node.trim().split(":");
    return { host: host || "127.0.0.1", port: Number(port) };
  });
  config.store = redisStore({ cluster: nodes, prefix: "sealed-session-bench:" });
} else if (process.env.BENCH_STORE === "postgres") {
  const store = postgresStore({ connectionString: POSTGRES_URL, table: "sealed_session_bench" });
  await store.migrate();
  config.store = store;
}

const handler = eventHandler(async (event) => {
  const path = event.url.pathname;
  if (path === "/read") {
    const session = await useSession<Counter>(event, config);
    return { count: session.data.count ?? 0 };
  }
  if (path === "/write") {
    const session = await useSession<Counter>(event, config);
    await session.update((data) => ({ count: (data.count ?? 0) + 1 }));
    return { count: session.data.count };
  }
  throw new HTTPError(404);
});

ready(createServer(toNodeListener(handler)));
