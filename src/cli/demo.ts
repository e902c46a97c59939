import { parseArgs } from "node:util";
import { type Command, EXIT, HELP_OPTION, parseOrUsage, parsePositiveInteger } from "./io.ts";

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
  SESSION_SECRET     the password; without it a development password is generated`,

  async run(args, io) {
    const { values } = parseOrUsage(() => parseArgs({ args: [...args], options: OPTIONS, strict: true }));
    if (values.help) {
      io.out(`${this.help}\n`);
      return EXIT.OK;
    }
    const portText = values.port ?? (io.env.PORT || undefined);
    const port =
      portText === undefined || portText === "0" ? Number(portText ?? 3000) : parsePositiveInteger(portText, "--port");
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
