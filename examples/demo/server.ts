// `npm start`: serves the demo on http://localhost:3000 (or $PORT).
//   --port N (or $PORT), --host H (default localhost),
//   --store redis://localhost:6379 (or $REDIS_URL) keeps sessions in Redis.
//   SESSION_SECRET sets the password; without it one is generated per run.
// Exit codes as `sealed-session demo`: 1 usage, 3 configuration (a bad PORT,
// a short SESSION_SECRET), 4 the demo could not start.
import { parseArgs } from "node:util";
import { SessionError } from "sealed-session";
import { parsePort, startDemo } from "./app.ts";

const USAGE = "Usage: npm start -- [--port N] [--host H] [--store redis://…]";
const EXIT = { OK: 0, USAGE: 1, CONFIG: 3, FAILURE: 4 } as const;
const DEFAULT_PORT = 3000;

process.exitCode = await main(process.argv.slice(2));

async function main(args: string[]): Promise<number> {
  let values: { port?: string | undefined; host?: string | undefined; store?: string | undefined; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        store: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`${messageOf(error)}\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (values.help) {
    console.log(USAGE);
    return EXIT.OK;
  }

  let port = DEFAULT_PORT;
  if (values.port !== undefined) {
    const parsed = parsePort(values.port);
    if (parsed === undefined) {
      console.error(`--port must be a port number from 0 to 65535 (got ${JSON.stringify(values.port)})\n${USAGE}`);
      return EXIT.USAGE;
    }
    port = parsed;
  } else if (process.env.PORT) {
    const parsed = parsePort(process.env.PORT);
    if (parsed === undefined) {
      console.error(
        `The demo could not start: PORT must be a port number from 0 to 65535 (got ${JSON.stringify(process.env.PORT)})`,
      );
      return EXIT.CONFIG;
    }
    port = parsed;
  }

  try {
    const demo = await startDemo({
      port,
      host: values.host,
      password: process.env.SESSION_SECRET,
      redisUrl: values.store ?? process.env.REDIS_URL,
    });
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => void demo.close().then(() => process.exit(0)));
    }
    return EXIT.OK;
  } catch (error) {
    console.error(`The demo could not start: ${messageOf(error)}`);
    // A short SESSION_SECRET is configuration; a port in use or Redis out of reach is not.
    return error instanceof SessionError && error.code === "ERR_CONFIG" ? EXIT.CONFIG : EXIT.FAILURE;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
