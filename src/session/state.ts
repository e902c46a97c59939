import type { EventIO } from "../event/io.ts";
import type { DataFields } from "../store/fields.ts";
import type { ResolvedConfig } from "./config.ts";
import type { Session, SessionData } from "./types.ts";

/** Everything this request knows about one named session. */
export interface SessionState {
  /** The session object handed to the application (kept by identity). */
  readonly session: Session<SessionData>;
  /** Settles when the incoming token has been read. */
  ready: Promise<void>;
  /** True until the session is first persisted. */
  isNew: boolean;
  /** Where the session came from. */
  source: "header" | "cookie" | undefined;
  /** Flash messages: read from the token, or queued for the next request. */
  flash: SessionData | undefined;
  /** True when the token was opened by an older password or the 1-iteration fallback. */
  needsReseal: boolean;
  /** Serializes writes, so the last one to land always holds every change. */
  queue: Promise<unknown>;
  /** True when the store holds a record for this id. */
  stored: boolean;
  /** Store mode: the data's fields as the store last had them, to send only what changed. */
  baseline: DataFields | undefined;
  /** Store mode: the owner the record is tagged with. */
  owner: string | undefined;
  /**
   * Store mode: what the session cookie the request came with names (id,
   * createdAt, whether it held flash messages), when it named a stored
   * record; undefined otherwise (no cookie, a header token, not yet stored).
   */
  held: { readonly id: string; readonly createdAt: number; readonly flash: boolean } | undefined;
  /**
   * True when the request's token could not be checked now (`ERR_SEAL_BUSY`:
   * the derivation budget was spent): the session is fresh, but `useSession`
   * does not write it eagerly, so the client's cookie survives for a later request.
   */
  busy: boolean;
  /** Set when clear() replaced this state; its late writes are dropped. */
  dead: boolean;
  /** Counts updates merged into the data, so a failed one knows whether it was the last. */
  updates: number;
}

const kSessions: unique symbol = Symbol.for("sealed-session.sessions");

/** The request's session states, by name. */
function states(io: EventIO): Map<string, SessionState> {
  const context = io.context as { [kSessions]?: Map<string, SessionState> };
  let map = context[kSessions];
  if (!map) {
    map = new Map();
    context[kSessions] = map;
  }
  return map;
}

export function currentState(io: EventIO, config: ResolvedConfig): SessionState | undefined {
  return states(io).get(config.name);
}

export function setState(io: EventIO, config: ResolvedConfig, state: SessionState): void {
  states(io).set(config.name, state);
}

/**
 * A state for a brand-new session, not yet persisted. `id: ""` makes a
 * placeholder to be filled by a read, without generating an id to discard.
 */
export function freshState(config: ResolvedConfig, now = Date.now(), id = config.generateId()): SessionState {
  return {
    session: { id, createdAt: now, data: {} },
    ready: Promise.resolve(),
    isNew: true,
    source: undefined,
    flash: undefined,
    needsReseal: false,
    queue: Promise.resolve(),
    stored: false,
    baseline: undefined,
    owner: undefined,
    held: undefined,
    busy: false,
    dead: false,
    updates: 0,
  };
}
