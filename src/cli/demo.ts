import { parseArgs } from "node:util";
import { SessionError } from "../errors.ts";
import { type Command, EXIT, HELP_OPTION, parseOrUsage, parsePort, UsageError } from "./io.ts";

const OPTIONS = {
  ...HELP_OPTION,
  port: { type: "string" },
  host: { type: "string" },
  store: { type: "string" },
} as const;

/** What the demo app module exports (examples/demo/app.ts, built to dist/demo/app.js). */
interface DemoModule {
  startDemo(options: {
    port: number;
    host?: string | undefined;
    password?: string | undefined;
    redisUrl?: string | undefined;
    log(line: string): void;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

const DEFAULT_PORT = 3000;

/** Where the demo lives: built next to the CLI in a package, in examples/ in a source checkout. */
const DEMO_LOCATIONS = ["../demo/app.js", "../../examples/demo/app.ts"];

/** `sealed-session demo`: serves the demo app until interrupted. */
export const demoCommand: Command = {
  name: "demo",
  summary: "serve the demo app on http://localhost:3000",
  help: `Usage: sealed-session demo [--port N] [--store redis://…]

Serves the demo app: sign in, a counter, a cart that outgrows one cookie and
splits into chunks, and a panel with the session's id, age, expiry and cookie
sizes. Stop it with Ctrl+C.

Options:
      --port N       port to listen on (default $PORT, else 3000; 0 picks a free one)
      --host H       address to bind (default localhost)
      --store URL    keep sessions in Redis (default $REDIS_URL): enables
                     "sign out everywhere" across browsers
  -h, --help         show this help

Environment:
  SESSION_SECRET     the password; without it a development password is generated
  PORT               the port when --port is not given
  REDIS_URL          the store when --store is not given

Exit codes: 1 usage (a bad --port), 3 configuration (a bad PORT, a SESSION_SECRET
under 32 characters), 4 the demo could not start (port in use, Redis unreachable).`,

  async run(args, io) {
    const { values } = parseOrUsage(() => parseArgs({ args: [...args], options: OPTIONS, strict: true }));
    if (values.help) {
      io.out(`${this.help}\n`);
      return EXIT.OK;
    }
    const port = portOf(values.port, io.env.PORT);
    const demo = await loadDemo();
    if (!demo) {
      io.err("sealed-session demo: the demo app is not part of this installation\n");
      return EXIT.FAILURE;
    }
    await demo.startDemo({
      port,
      host: values.host,
      password: io.env.SESSION_SECRET,
      redisUrl: values.store ?? io.env.REDIS_URL,
      log: (line) => io.out(`${line}\n`),
    });
    return EXIT.OK;
  },
};

/**
 * The port: --port (a mistake there is a usage error, exit code 1), else $PORT
 * (a mistake there is a configuration error, exit code 3), else 3000.
 */
function portOf(flag: string | undefined, env: string | undefined): number {
  if (flag !== undefined) {
    const port = parsePort(flag);
    if (port === undefined)
      throw new UsageError(`--port must be a port number from 0 to 65535 (got ${JSON.stringify(flag)})`);
    return port;
  }
  if (!env) return DEFAULT_PORT;
  const port = parsePort(env);
  if (port === undefined) {
    throw new SessionError("ERR_CONFIG", `PORT must be a port number from 0 to 65535 (got ${JSON.stringify(env)})`);
  }
  return port;
}

async function loadDemo(): Promise<DemoModule | undefined> {
  for (const location of DEMO_LOCATIONS) {
    try {
      return (await import(new URL(location, import.meta.url).href)) as DemoModule;
    } catch (error) {
      if ((error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    }
  }
  return undefined;
}
