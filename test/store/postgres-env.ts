/**
 * How the PostgreSQL tests find PostgreSQL: `POSTGRES_URL` (the CI script
 * sets it to postgres://postgres@127.0.0.1:5432/test). Without it, or when it
 * does not answer, they skip with one line saying why, except on CI (`CI`
 * set), where a skip would hide a broken setup, so they fail instead. Each
 * run works in a schema of its own, dropped afterwards.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

/** The URL to test against, or undefined when the PostgreSQL tests skip (after saying why). */
export async function postgresUrlOrSkip(): Promise<string | undefined> {
  const url = process.env.POSTGRES_URL;
  const reason = url ? await unreachable(url) : "POSTGRES_URL is not set";
  if (!reason) return url;
  if (process.env.CI) {
    throw new Error(
      `PostgreSQL tests cannot run on CI: ${reason} (set POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)`,
    );
  }
  console.log(`[store] skipping PostgreSQL tests: ${reason}`);
  return undefined;
}

/** A schema name no other run shares. */
export function uniqueSchema(label: string): string {
  return `sealed_test_${label}_${process.pid}_${Date.now().toString(36)}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The directory holding PostgreSQL's server binaries (initdb, pg_ctl), or undefined after saying why. */
export function postgresBinariesOrSkip(): string | undefined {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, "bin")).find((dir) => existsSync(join(dir, "pg_ctl")));
  const fromPath = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  const dir = found ?? (fromPath.status === 0 ? fromPath.stdout.trim() : undefined);
  if (dir && existsSync(join(dir, "initdb"))) return dir;
  const reason = "PostgreSQL's initdb and pg_ctl are not installed";
  if (process.env.CI) throw new Error(`PostgreSQL outage tests cannot run on CI: ${reason}`);
  console.log(`[store] skipping PostgreSQL outage tests: ${reason}`);
  return undefined;
}

async function unreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${url} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => {});
  }
}
