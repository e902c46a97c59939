import { configError, SessionError } from "../errors.ts";
import type { EventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { sealWith } from "../seal/seal.ts";
import { callStore } from "../store/call.ts";
import { diffFields, toFields } from "../store/fields.ts";
import type { ResolvedConfig } from "./config.ts";
import { deleteSessionCookie, writeSessionCookie } from "./cookie-writer.ts";
import { expiresAt, sealTtl } from "./lifetime.ts";
import { replaceContents, type SealedPayload } from "./payload.ts";
import type { SessionState } from "./state.ts";

/** Store records of sessions with no configured lifetime still expire: one week after the last write. */
export const DEFAULT_STORE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Seals the session and sets its cookie. Writes of one session are queued, so
 * each seals the data as it is when its turn comes: N concurrent updates all
 * land and the final Set-Cookie holds every one of them.
 */
export function persist(io: EventIO, config: ResolvedConfig, state: SessionState, event: AnyEvent): Promise<void> {
  const run = state.queue.then(async () => {
    if (state.dead) return;
    if (!io.cookieOnEveryWrite && cookieHoldsIt(config, state)) {
      // Only the record changes: a new seal would say what the client's cookie already says.
      await storeRecord(config, state, event, io, Date.now());
      return;
    }
    const token = await sealState(config, state, event, io);
    if (token === undefined || state.dead) return;
    writeSessionCookie(io, config, token, expiresAt(state.session, config));
    state.isNew = false;
    state.needsReseal = false;
  });
  state.queue = run.catch(() => {});
  return run;
}

/**
 * The token for the session as it is now. In store mode the record is written
 * first (see writeRecord) and the token is a sealed reference; a record
 * deleted meanwhile (a logout elsewhere) is not brought back: the cookie is
 * deleted instead and undefined returned.
 */
export async function sealState(
  config: ResolvedConfig,
  state: SessionState,
  event: AnyEvent,
  io: EventIO | undefined,
): Promise<string | undefined> {
  const now = Date.now();
  const session = state.session;
  if (config.idleTimeout !== undefined) session.lastSeenAt = now;
  const payload: SealedPayload = { id: session.id, createdAt: session.createdAt, purpose: config.name };
  if (session.lastSeenAt !== undefined) payload.lastSeenAt = session.lastSeenAt;
  if (state.flash && Object.keys(state.flash).length > 0) payload.flash = state.flash;

  if (config.store) {
    if (!(await storeRecord(config, state, event, io, now))) return undefined;
    payload.ref = true;
    if (!state.stored) payload.unstored = true;
  } else {
    payload.data = session.data;
  }
  return sealWith(config.backend, payload, config.password, config.seal, sealTtl(session, config, now));
}

/**
 * Whether the cookie the request came with still says all a new seal would,
 * so a store-mode write need not send it again (as express-session sends no
 * cookie when only its store changes): it named this id and createdAt, its
 * record existed, and nothing else it carries moves. An idle timeout (the
 * seal holds lastSeenAt), a fixed seal ttl or a cookie maxAge (both count
 * from the write), flash messages, a key rotation or a regenerate all reseal.
 */
function cookieHoldsIt(config: ResolvedConfig, state: SessionState): boolean {
  const held = state.held;
  if (!config.store || !held || !state.stored || state.needsReseal) return false;
  if (held.id !== state.session.id || held.createdAt !== state.session.createdAt) return false;
  if (held.flash || (state.flash && Object.keys(state.flash).length > 0)) return false;
  if (config.idleTimeout !== undefined || config.fixedTtl) return false;
  return config.cookie !== false && config.cookie.maxAge === undefined;
}

/** Writes the record; false (the cookie deleted, `onError` told) when it was revoked meanwhile. */
async function storeRecord(
  config: ResolvedConfig,
  state: SessionState,
  event: AnyEvent,
  io: EventIO | undefined,
  now: number,
): Promise<boolean> {
  if (await writeRecord(config, state, now)) return true;
  state.dead = true;
  if (io) deleteSessionCookie(io, config);
  const error = new SessionError("ERR_STORE_MISSING", "the session was revoked while this request was running");
  config.source.onError?.(error.code, event, error);
  return false;
}

/**
 * The user a session is tagged with. Anything but a string would be written
 * into a record that no listing can match, so it fails fast; an empty string
 * or null means "no user", like undefined.
 */
function userOf(config: ResolvedConfig, data: object): string | undefined {
  const user: unknown = config.source.userId?.(data);
  if (user === undefined || user === null || user === "") return undefined;
  if (typeof user !== "string") {
    configError(`config.userId must return a string or undefined, not ${typeof user}; convert ids with String()`);
  }
  return user;
}

/**
 * Brings the store up to date with the session: nothing while there is no
 * data (an anonymous visitor costs no record), then a create, then patches of
 * the keys that changed since the request read or last wrote them, merged by
 * the store into what parallel requests wrote. The merged data replaces the
 * request's in place. False when the record is gone (revoked meanwhile).
 */
async function writeRecord(config: ResolvedConfig, state: SessionState, now: number): Promise<boolean> {
  const store = config.store!;
  const session = state.session;
  const expires = expiresAt(session, config);
  const ttl = expires === undefined ? DEFAULT_STORE_TTL_SECONDS : Math.max(1, Math.ceil((expires - now) / 1000));
  const { patch, after } = diffFields(state.baseline ?? new Map(), session.data);
  const owner = userOf(config, session.data);
  if (!state.stored) {
    if (after.size === 0) return true;
    const record = { id: session.id, createdAt: session.createdAt, data: session.data, user: owner };
    const created = await callStore("create", config.storeTimeout, (o) => store.create(record, ttl, o));
    if (created) {
      state.stored = true;
      state.baseline = after;
      state.owner = owner;
      return true;
    }
    // Another request of this session created the record first: merge into it.
  }
  // A fallback merge keeps the tag the other request gave unless this one names an owner.
  const change = state.stored ? (owner === state.owner ? {} : { user: owner ?? null }) : owner ? { user: owner } : {};
  const merged = await callStore("update", config.storeTimeout, (o) =>
    store.update(session.id, { ...patch, ...change }, ttl, o),
  );
  if (!merged) return false;
  state.stored = true;
  state.owner = merged.user;
  replaceContents(session.data, merged.data);
  state.baseline = toFields(session.data);
  return true;
}
