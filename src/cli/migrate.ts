import { parseArgs } from "node:util";
import { DEFAULT_POSTGRES_TABLE, postgresStore } from "../store/postgres.ts";
import { type Command, EXIT, HELP_OPTION, parseOrUsage, UsageError } from "./io.ts";

const OPTIONS = {
  ...HELP_OPTION,
  url: { type: "string" },
  table: { type: "string" },
  schema: { type: "string" },
} as const;

/** The stores that have something to migrate. */
const TARGETS = ["postgres"];

/**
 * `sealed-session migrate postgres`: creates postgresStore's table and
 * indexes if they do not exist. Running it again changes nothing.
 */
export const migrateCommand: Command = {
  name: "migrate",
  summary: "create the table a postgresStore needs (postgres)",
  help: `Usage: sealed-session migrate postgres [--url URL] [--table NAME] [--schema NAME]

Creates the table postgresStore keeps sessions in, with its indexes, unless it
exists; running it again changes nothing. The store never creates it at
request time: run this (or await store.migrate()) when you deploy.

Options:
      --url URL      postgres://… connection string (default $DATABASE_URL)
      --table NAME   the table (default ${DEFAULT_POSTGRES_TABLE})
      --schema NAME  its schema (default: the connection's search path)
  -h, --help         show this help

Needs the pg package (npm install pg).

Example:
  npx sealed-session migrate postgres --url postgres://app@db.internal/app

Exit codes: 1 usage, 3 configuration (a bad table or schema name, pg not
installed), 4 the database could not be reached or refused the change.`,

  async run(args, io) {
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true }),
    );
    if (values.help) {
      io.out(`${this.help}\n`);
      return EXIT.OK;
    }
    const [target, ...extra] = positionals;
    if (target === undefined) throw new UsageError(`name what to migrate: ${TARGETS.join(", ")}`);
    if (!TARGETS.includes(target)) throw new UsageError(`cannot migrate "${target}": only ${TARGETS.join(", ")}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const url = values.url ?? io.env.DATABASE_URL;
    if (!url) throw new UsageError("no database: pass --url postgres://… or set DATABASE_URL");
    const store = postgresStore({
      connectionString: url,
      table: values.table ?? DEFAULT_POSTGRES_TABLE,
      sweepInterval: 0,
      poolOptions: { max: 1 },
      ...(values.schema === undefined ? {} : { schema: values.schema }),
    });
    try {
      await store.migrate();
    } catch (error) {
      // The database's own words (connection refused, permission denied) tell the operator what to fix.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof Error) throw new Error(`${store.table}: ${cause.message}`);
      throw error;
    } finally {
      await store.close();
    }
    io.out(`${store.table} is ready\n`);
    return EXIT.OK;
  },
};
