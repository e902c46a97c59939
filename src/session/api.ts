import { SessionError } from "../errors.ts";
import { eventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { unsealDetailed } from "../seal/unseal.ts";
import { callStore } from "../store/call.ts";
import { resolveConfig } from "./config.ts";
import { deleteSessionCookie } from "./cookie-writer.ts";
import { assertAlive } from "./lifetime.ts";
import { loadState, readDetached } from "./load.ts";
import { mergeInto, replaceContents, toPayload } from "./payload.ts";
import { persist, sealState } from "./persist.ts";
import { validateData } from "./schema.ts";
import { currentState, freshState, setState } from "./state.ts";
import type { RegenerateOptions, Session, SessionConfig, SessionData, SessionUpdate } from "./types.ts";

/**
 * The request's session: read from the session header or cookie, unsealed once
 * per request and cached. A new session gets an id but is not written until it
 * is updated, so anonymous read-only traffic carries no Set-Cookie.
 *
 * @example
 * const session = await getSession<{ user?: string }>(event, config);
 * if (!session.data.user) throw new HTTPError(401);
 */
export async function getSession<T extends object = SessionData>(
  event: AnyEvent,
  // A config typed loosely (`as SessionConfig`) is accepted with `T` given explicitly; it
  // omits `userId` so that an inline `userId` callback is still typed `(data: T)`.
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<Session<T>> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const state = await loadState(eventIO(event), resolved, event);
  return state.session as unknown as Session<T>;
}

/**
 * Merges `update` into the session data (a partial object, or a function that
 * returns one or mutates the data) and writes the cookie. If the write fails
 * (`ERR_SESSION_TOO_LARGE`, a store outage) it throws and the data's top-level
 * keys are put back as they were, so the request goes on with what the client holds.
 *
 * @example
 * await updateSession(event, config, { theme: "dark" });
 * await updateSession(event, config, (data) => ({ visits: (data.visits ?? 0) + 1 }));
 */
export async function updateSession<T extends object = SessionData>(
  event: AnyEvent,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
  update?: SessionUpdate<T>,
): Promise<Session<T>> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const io = eventIO(event);
  const state = await loadState(io, resolved, event);
  const data = state.session.data;
  // Updates merge shallowly, so a shallow copy is enough to undo one.
  const before = { ...data };
  const patch = typeof update === "function" ? update(data as T) : update;
  mergeInto(data, patch);
  const mine = ++state.updates;
  try {
    await persist(io, resolved, state, event);
  } catch (error) {
    // The update did not land (too large, store down): leave the request with
    // the data the client still holds, unless a later update merged since and
    // its own write decides.
    if (state.updates === mine) replaceContents(data, before);
    throw error;
  }
  return state.session as unknown as Session<T>;
}

/**
 * Ends the session: deletes its cookie and every chunk (`Max-Age=0`, same
 * Path and Domain) and, with a store, its record, so the old cookie is dead
 * even if replayed. A later update in the same request starts a fresh session.
 *
 * @example
 * await clearSession(event, config);
 */
export async function clearSession<T extends object = SessionData>(
  event: AnyEvent,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<void> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const io = eventIO(event);
  // Swap in a fresh session before any await: calls issued after this one see
  // the fresh session, calls issued before it get the old one, now dead.
  const previous = currentState(io, resolved);
  if (previous) previous.dead = true;
  const fresh = freshState(resolved);
  setState(io, resolved, fresh);
  try {
    if (resolved.store) {
      const old = previous ?? (await readDetached(io, resolved, event));
      await old.ready;
      // A write still in flight (a non-atomic store's check-then-set) must land before the delete, not after it.
      await old.queue;
      if (old.stored)
        await callStore("delete", resolved.storeTimeout, (o) => resolved.store!.delete(old.session.id, o));
    }
    // An update issued after the clear may already have written the new session.
    if (fresh.isNew && currentState(io, resolved) === fresh) deleteSessionCookie(io, resolved);
  } catch (error) {
    // The clear did not happen (store down, cookies read-only, headers gone): the
    // request goes on with the session the client still holds, unless a later call replaced it.
    if (previous && fresh.isNew && currentState(io, resolved) === fresh) {
      previous.dead = false;
      setState(io, resolved, previous);
    }
    throw error;
  }
}

/**
 * The sealed token of the current session, for use outside cookies (an
 * `Authorization`-style header, a WebSocket handshake, a signed link).
 *
 * @example
 * const token = await sealSession(event, config);
 */
export async function sealSession<T extends object = SessionData>(
  event: AnyEvent,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<string> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const state = await loadState(eventIO(event), resolved, event);
  const token = await sealState(resolved, state, event, undefined);
  if (token === undefined) throw new SessionError("ERR_STORE_MISSING", "the session was revoked");
  return token;
}

/**
 * Opens a sealed session token and checks its lifetimes. Throws a
 * {@link SessionError} whose `code` says why it was refused.
 *
 * @example
 * const session = await unsealSession(event, config, token);
 */
export async function unsealSession<T extends object = SessionData>(
  _event: AnyEvent,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
  sealed: string,
): Promise<Partial<Session<T>>> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const opened = await unsealDetailed(resolved.backend, sealed, resolved.password, resolved.seal, {
    legacyFallback: resolved.legacyFallback,
  });
  const payload = toPayload(opened.value, resolved.name);
  if (Boolean(resolved.store) !== Boolean(payload.ref))
    throw new SessionError("ERR_SESSION_SHAPE", "the token does not match this config's storage mode");
  assertAlive(payload, resolved, Date.now());
  const session: Partial<Session<T>> = { id: payload.id, createdAt: payload.createdAt };
  if (payload.lastSeenAt !== undefined) session.lastSeenAt = payload.lastSeenAt;
  if (resolved.store) {
    const record = await callStore("get", resolved.storeTimeout, () => resolved.store!.get(payload.id));
    if (!record && !payload.unstored)
      throw new SessionError("ERR_STORE_MISSING", "the session was revoked or has expired in the store");
    session.data = (await validateData(resolved, { ...record?.data })) as T;
  } else {
    session.data = (await validateData(resolved, payload.data ?? {})) as T;
  }
  return session;
}

/**
 * Gives the session a new id and `createdAt`, keeping its data unless told
 * otherwise. Call it on sign-in and on privilege changes to defeat session
 * fixation; with a store the old record is deleted.
 *
 * @example
 * await regenerateSession(event, config);
 */
export async function regenerateSession<T extends object = SessionData>(
  event: AnyEvent,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
  options?: RegenerateOptions,
): Promise<Session<T>> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const io = eventIO(event);
  const state = await loadState(io, resolved, event);
  await state.queue;
  // A clear() issued after this call has ended the session: it wins, as it does over an update.
  if (state.dead) return state.session as unknown as Session<T>;
  const oldId = state.session.id;
  const wasStored = state.stored;
  state.session.id = resolved.generateId();
  state.session.createdAt = Date.now();
  delete state.session.lastSeenAt;
  if (options?.keepData === false) state.session.data = {};
  state.stored = false;
  state.baseline = undefined;
  state.owner = undefined;
  await persist(io, resolved, state, event);
  const store = resolved.store;
  if (store && wasStored) {
    const existed = await callStore("delete", resolved.storeTimeout, (o) => store.delete(oldId, o));
    if (existed === false) {
      // The old session was revoked while this request ran: its data must not live on under the new id.
      state.dead = true;
      await callStore("delete", resolved.storeTimeout, (o) => store.delete(state.session.id, o));
      // A session started after a clear() meanwhile owns the cookie now.
      if (currentState(io, resolved) === state) deleteSessionCookie(io, resolved);
      const error = new SessionError("ERR_STORE_MISSING", "the session was revoked while this request was running");
      resolved.source.onError?.(error.code, event, error);
    }
  }
  return state.session as unknown as Session<T>;
}
