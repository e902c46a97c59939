import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchema, postgresUrlOrSkip, uniqueSchema } from "../store/postgres-env.ts";
import { cli } from "./harness.ts";

describe("sealed-session migrate: arguments", () => {
  it("exits 1 (usage) without a target, with an unknown one, or without a database", async () => {
    for (const argv of [["migrate"], ["migrate", "mysql", "--url", "x"], ["migrate", "postgres"]]) {
      const result = await cli(argv, { env: {} });
      expect(result.code, argv.join(" ")).toBe(1);
      expect(result.err).toMatch(/^sealed-session migrate: .+\nRun "sealed-session migrate --help" for usage\.\n$/);
    }
  });

  it("exits 3 for a table name that is not a plain identifier, before connecting", async () => {
    const result = await cli(["migrate", "postgres", "--url", "postgres://127.0.0.1:1/x", "--table", "a;b"]);
    expect(result.code).toBe(3);
    expect(result.err).toContain("ERR_CONFIG");
  });

  it("exits 4 with the database's reason when it cannot connect", async () => {
    const result = await cli(["migrate", "postgres", "--url", "postgres://postgres@127.0.0.1:1/x"]);
    expect(result.code).toBe(4);
    expect(result.err).toMatch(/ECONNREFUSED/);
  });

  it("prints its help", async () => {
    const result = await cli(["migrate", "--help"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("Usage: sealed-session migrate postgres");
  });
});

const url = await postgresUrlOrSkip();

describe.skipIf(!url)("sealed-session migrate postgres on a real PostgreSQL", () => {
  const schema = uniqueSchema("cli");
  afterAll(() => dropSchema(url as string, schema));

  it("creates the table and its indexes, and running it again changes nothing", async () => {
    const args = ["migrate", "postgres", "--schema", schema, "--table", "web_sessions"];
    const first = await cli(args, { env: { DATABASE_URL: url } });
    expect(first).toEqual({ code: 0, out: `"${schema}"."web_sessions" is ready\n`, err: "" });
    expect((await cli(args, { env: { DATABASE_URL: url } })).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 ORDER BY ordinal_position",
      [schema],
    );
    await client.end();
    expect(rows).toEqual([
      { column_name: "id", data_type: "text" },
      { column_name: "data", data_type: "jsonb" },
      { column_name: "user_id", data_type: "text" },
      { column_name: "created", data_type: "timestamp with time zone" },
      { column_name: "expires", data_type: "timestamp with time zone" },
    ]);
  });
});
