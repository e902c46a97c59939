// `npm start`: serves the demo on http://localhost:3000 (or $PORT).
//   --store redis://localhost:6379 (or $REDIS_URL) keeps sessions in Redis.
//   SESSION_SECRET sets the password; without it one is generated per run.
import { parseArgs } from "node:util";
import { startDemo } from "./app.ts";

const { values } = parseArgs({
  options: { port: { type: "string" }, host: { type: "string" }, store: { type: "string" } },
});

try {
  const demo = await startDemo({
    port: Number(values.port ?? (process.env.PORT || 3000)),
    host: values.host,
    password: process.env.SESSION_SECRET,
    redisUrl: values.store ?? process.env.REDIS_URL,
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void demo.close().then(() => process.exit(0)));
  }
} catch (error) {
  console.error(`The demo could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
