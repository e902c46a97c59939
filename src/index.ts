// sealed-session: the session API of h3 / vinxi for any JavaScript server.

// Cookies
export type { CookieOptions } from "./cookie/options.ts";
// Errors
export { isSessionError, SessionError, type SessionErrorCode } from "./errors.ts";
// Events and servers
export { defineHandler, type EventHandler, eventHandler } from "./event/handler.ts";
export { HTTPError } from "./event/http-error.ts";
export { type NodeListener, toNodeListener } from "./event/node-adapter.ts";
export { createEvent } from "./event/node-event.ts";
export type {
  AnyEvent,
  EventResponse,
  H3EventV1Like,
  HonoContextLike,
  HTTPEvent,
  WebEventLike,
} from "./event/types.ts";
export { toWebHandler, type WebHandler } from "./event/web-adapter.ts";
// Sealing
export type { DerivationBudget, PasswordInput, SealOptions } from "./seal/index.ts";
// Sessions
export {
  clearSession,
  getSession,
  regenerateSession,
  sealSession,
  unsealSession,
  updateSession,
} from "./session/api.ts";
export { DEFAULT_SESSION_NAME } from "./session/config.ts";
export { useSession } from "./session/manager.ts";
export type { StandardSchemaV1 } from "./session/standard-schema.ts";
export type {
  RegenerateOptions,
  Session,
  SessionConfig,
  SessionData,
  SessionManager,
  SessionUpdate,
  WarningCode,
} from "./session/types.ts";
// Stores
export {
  listUserSessions,
  type RevokeUserSessionsOptions,
  revokeUserSessions,
} from "./session/users.ts";
export { DEFAULT_STORE_TIMEOUT_MS } from "./store/call.ts";
export { DEFAULT_MEMORY_STORE_MAX, type MemoryStore, type MemoryStoreOptions, memoryStore } from "./store/memory.ts";
export {
  DEFAULT_POSTGRES_TABLE,
  type PostgresStore,
  type PostgresStoreOptions,
  postgresStore,
} from "./store/postgres.ts";
export {
  DEFAULT_POSTGRES_POOL_OPTIONS,
  type PgPoolClientLike,
  type PgPoolLike,
  type PgPoolOptions,
  type PgQuery,
} from "./store/postgres-client.ts";
export { DEFAULT_REDIS_PREFIX, type RedisStore, type RedisStoreOptions, redisStore } from "./store/redis.ts";
export { DEFAULT_REDIS_OPTIONS, type RedisClientLike, type RedisConnectionOptions } from "./store/redis-client.ts";
export type { SessionPatch, SessionStore, StoredSession, StoreWriteOptions } from "./store/types.ts";
export {
  DEFAULT_UNSTORAGE_PREFIX,
  type UnstorageLike,
  type UnstorageStore,
  type UnstorageStoreOptions,
  unstorageStore,
} from "./store/unstorage.ts";
