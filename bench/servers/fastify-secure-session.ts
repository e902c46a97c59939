// Fastify 5 + @fastify/secure-session (libsodium secretbox in the cookie), key derived from a secret.
import { createServer } from "node:http";
import secureSession from "@fastify/secure-session";
import Fastify, { type FastifyRequest } from "fastify";
import { PASSWORD, ready } from "./common.ts";

// The type check also sees sealed-session's own `request.session`: name secure-session's here.
type SecureSession = { get(key: string): unknown; set(key: string, value: unknown): void };
const sessionOf = (request: FastifyRequest) => (request as unknown as { session: SecureSession }).session;

const app = Fastify({ serverFactory: (handler) => createServer(handler) });
await app.register(secureSession, { secret: PASSWORD, salt: "mq9hDxBVDbspDR6n", cookie: { path: "/" } });
app.get("/read", async (request) => ({ count: Number(sessionOf(request).get("count") ?? 0) }));
app.get("/write", async (request) => {
  const count = Number(sessionOf(request).get("count") ?? 0) + 1;
  sessionOf(request).set("count", count);
  return { count };
});

await app.ready();
ready(app.server);
