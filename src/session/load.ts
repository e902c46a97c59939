import { SessionError } from "../errors.ts";
import type { EventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { isAsync } from "../seal/maybe-promise.ts";
import { openToken } from "../seal/unseal.ts";
import { callStore } from "../store/call.ts";
import { toFields } from "../store/fields.ts";
import type { ResolvedConfig } from "./config.ts";
import { readSessionCookie, requestCookies } from "./cookie-writer.ts";
import { adoptIronSession, olderIronSessionData, splitIronSessionMarker } from "./iron-session.ts";
import { assertAlive, shouldSlide } from "./lifetime.ts";
import { toPayload } from "./payload.ts";
import { persist } from "./persist.ts";
import { validateData } from "./schema.ts";
import { currentState, freshState, type SessionState, setState } from "./state.ts";
import type { SessionData } from "./types.ts";

/**
 * The request's session state, reading the incoming token once. Concurrent
 * callers share the same read (and so the same id). A caller gets the state
 * that was current when it called: if `clear()` replaced it meanwhile, the
 * state comes back `dead` and its writes are dropped, because the clear was
 * issued later and wins.
 */
export async function loadState(io: EventIO, config: ResolvedConfig, event: AnyEvent): Promise<SessionState> {
  const existing = currentState(io, config);
  if (existing) {
    await existing.ready;
    return existing;
  }
  const state = freshState(config, 0, "");
  setState(io, config, state);
  state.ready = read(io, config, event, state);
  await state.ready;
  return state;
}

/**
 * Reads the incoming session without making it the request's session (for
 * `clear()` in store mode, which needs the old id to delete its record).
 */
export async function readDetached(io: EventIO, config: ResolvedConfig, event: AnyEvent): Promise<SessionState> {
  const state = freshState(config, 0, "");
  state.dead = true;
  state.ready = read(io, config, event, state);
  await state.ready;
  return state;
}

async function read(io: EventIO, config: ResolvedConfig, event: AnyEvent, state: SessionState): Promise<void> {
  // A header session is tried first; if it is bad, the cookie still counts.
  const header = config.headerName ? io.header(config.headerName) : undefined;
  if (header && (await restore(config, event, state, header))) {
    state.source = "header";
    // The client may hold no cookie at all: a write must send one.
    state.held = undefined;
    return;
  }
  const cookie = config.cookie === false ? undefined : readSessionCookie(io, config.name);
  if (cookie === undefined && config.cookie !== false && requestCookies(io).get(config.name)) {
    report(config, event, new SessionError("ERR_SEAL_FORMAT", "the session cookie's chunks are missing or malformed"));
  }
  if (cookie && (await restore(config, event, state, cookie))) {
    state.source = "cookie";
    if (state.needsReseal || shouldSlide(state.session, config, Date.now())) {
      // Best effort: a reseal that cannot be written (headers already sent, store
      // hiccup) must not fail a read that succeeded.
      await persist(io, config, state, event).catch((error: unknown) => {
        if (error instanceof SessionError) report(config, event, error);
      });
    }
    return;
  }
  state.session.id = config.generateId();
  state.session.createdAt = Date.now();
  state.session.data = {};
}

/** Opens a token into `state`; false (after telling `onError`) when it is not acceptable. */
async function restore(config: ResolvedConfig, event: AnyEvent, state: SessionState, token: string): Promise<boolean> {
  try {
    const now = Date.now();
    const { sealed, ironSession } = splitIronSessionMarker(token);
    const pending = openToken(config.backend, sealed, config.password, config.seal, {
      legacyFallback: config.legacyFallback,
    });
    // A returning cookie is answered synchronously: no await, no extra turn of the microtask queue.
    const opened = isAsync(pending) ? await pending : pending;
    // A refused token comes back as a value: forged cookies cost no throw.
    if (opened instanceof SessionError) return refuse(config, event, state, opened);
    // iron-session's seals: `~2` marks a bare object; older ones hold `{ persistent, flash }` with no marker.
    const older = ironSession ? undefined : olderIronSessionData(opened.value);
    const adopted = ironSession || older !== undefined;
    const payload = adopted
      ? adoptIronSession(older ?? opened.value, config, now, opened.expiration)
      : toPayload(opened.value, config.name);
    assertAlive(payload, config, now);
    let data: SessionData = payload.data ?? {};
    if (adopted) {
      state.stored = false;
    } else if (config.store) {
      if (!payload.ref)
        throw new SessionError("ERR_SESSION_SHAPE", "a cookie session was presented to a store session");
      const record = await callStore("get", config.storeTimeout, () => config.store!.get(payload.id));
      if (record && record.id === payload.id) {
        data = { ...record.data };
        state.stored = true;
        state.baseline = toFields(data);
        state.owner = record.user;
      } else if (payload.unstored) {
        // Nothing was kept for this session yet: an empty session, not a revoked one.
        data = {};
        state.stored = false;
      } else {
        throw new SessionError("ERR_STORE_MISSING", "the session was revoked or has expired in the store");
      }
    } else if (payload.ref) {
      throw new SessionError("ERR_SESSION_SHAPE", "a store reference was presented without a store");
    }
    if (config.source.schema) data = await validateData(config, data);
    const session = state.session;
    session.id = payload.id;
    session.createdAt = payload.createdAt;
    if (payload.lastSeenAt !== undefined) session.lastSeenAt = payload.lastSeenAt;
    session.data = data;
    state.flash = payload.flash;
    state.isNew = false;
    // A token whose salts carry no tag (h3, vinxi, an older version) is resealed so that its next visits skip the budget.
    state.needsReseal = opened.legacy || opened.rotated || opened.untagged || adopted;
    // A token naming a record that exists (not one marked "nothing stored yet") need not be resent by a write.
    const held = state.stored && !payload.unstored && !state.needsReseal;
    const flash = payload.flash !== undefined && Object.keys(payload.flash).length > 0;
    state.held = held ? { id: payload.id, createdAt: payload.createdAt, flash } : undefined;
    return true;
  } catch (error) {
    if (!(error instanceof SessionError) || error.code === "ERR_STORE_UNAVAILABLE" || error.code === "ERR_CONFIG")
      throw error;
    return refuse(config, event, state, error);
  }
}

/** A token that is not acceptable: no session from it, and `onError` told why. */
function refuse(config: ResolvedConfig, event: AnyEvent, state: SessionState, error: SessionError): false {
  state.stored = false;
  state.busy = error.code === "ERR_SEAL_BUSY";
  report(config, event, error);
  return false;
}

function report(config: ResolvedConfig, event: AnyEvent, error: SessionError): void {
  config.source.onError?.(error.code, event, error);
}
