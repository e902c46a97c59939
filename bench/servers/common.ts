// Shared by the benchmark servers: one password, one listen-and-report routine.
import type { Server } from "node:http";

/** The same secret for every server (≥ 32 characters, as iron requires). */
export const PASSWORD = "9f1c2a7e4b8d0c3f6a5e2d1b7c9f0a8e4d3c2b1a";

/** Redis for the store rows. */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** PostgreSQL for the store rows (both libraries use their own table in it). */
export const POSTGRES_URL = process.env.POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Session data every server keeps: one counter. */
export interface Counter {
  count?: number;
}

/**
 * Listens on a free port of 127.0.0.1 and tells the parent (over IPC) which
 * one; answers the parent's CPU-time queries; exits when the parent disconnects.
 */
export function ready(server: Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("no TCP address");
    if (process.send) process.send({ port: address.port });
    else console.log(`listening on http://127.0.0.1:${address.port}`);
  });
  // The parent asks for CPU time around each run, to report CPU per request.
  process.on("message", (message) => {
    if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
  });
  process.on("disconnect", () => process.exit(0));
}
