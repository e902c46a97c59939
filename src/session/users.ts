import { configError } from "../errors.ts";
import { callStore } from "../store/call.ts";
import type { SessionStore } from "../store/types.ts";
import { type ResolvedConfig, resolveConfig } from "./config.ts";
import type { Session, SessionConfig, SessionData } from "./types.ts";

/**
 * Options of {@link revokeUserSessions}.
 *
 * @example
 * const options: RevokeUserSessionsOptions = { except: session.id };
 * await revokeUserSessions(config, "user-42", options);
 */
export interface RevokeUserSessionsOptions {
  /** A session id to keep, usually the current one: "log out my other devices". */
  except?: string;
}

/**
 * The live sessions of a user, oldest first ("your devices"). Needs a store
 * with a user index and `config.userId`, which tags each session on write.
 *
 * @example
 * const sessions = await listUserSessions(config, "user-42");
 * return sessions.map((s) => ({ id: s.id, since: new Date(s.createdAt), agent: s.data.agent }));
 */
export async function listUserSessions<T extends object = SessionData>(
  config: SessionConfig<T>,
  userId: string,
): Promise<Session<T>[]> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const store = userIndexedStore(resolved, userId, "listUserSessions");
  const ids = await callStore("listByUser", resolved.storeTimeout, () => store.listByUser(userId));
  const records = await Promise.all(ids.map((id) => callStore("get", resolved.storeTimeout, () => store.get(id))));
  const sessions: Session<T>[] = [];
  for (const record of records) {
    // A record may have ended or changed hands between the listing and the read.
    if (record?.user === userId) sessions.push({ id: record.id, createdAt: record.createdAt, data: record.data as T });
  }
  return sessions.sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * Logs a user out everywhere: deletes every session tagged with `userId`
 * (except `options.except`) and resolves to how many were deleted. A request
 * of a revoked session that is still running cannot bring it back: its late
 * write finds no record, and its cookie is deleted instead.
 *
 * @example
 * // "Log out everywhere else", from a request of the user's current session:
 * const session = await useSession<{ user: string }>(event, config);
 * await revokeUserSessions(config, session.data.user, { except: session.id! });
 */
export async function revokeUserSessions<T extends object = SessionData>(
  config: SessionConfig<T>,
  userId: string,
  options: RevokeUserSessionsOptions = {},
): Promise<number> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const store = userIndexedStore(resolved, userId, "revokeUserSessions");
  const ids = await callStore("listByUser", resolved.storeTimeout, () => store.listByUser(userId));
  const deleted = await Promise.all(
    ids
      .filter((id) => id !== options.except)
      .map((id) => callStore("delete", resolved.storeTimeout, (o) => store.delete(id, o))),
  );
  return deleted.filter(Boolean).length;
}

function userIndexedStore(
  config: ResolvedConfig,
  userId: string,
  caller: string,
): SessionStore & Required<Pick<SessionStore, "listByUser">> {
  const store = config.store;
  if (!store) configError(`${caller} needs config.store: cookie-only sessions cannot be listed or revoked`);
  if (typeof store.listByUser !== "function") configError(`${caller}: the ${store.name} store cannot list by user`);
  if (typeof config.source.userId !== "function") {
    configError(`${caller} needs config.userId, which tags each session with its user`);
  }
  if (typeof userId !== "string" || userId === "") configError(`${caller} needs a non-empty user id`);
  return store as SessionStore & Required<Pick<SessionStore, "listByUser">>;
}
