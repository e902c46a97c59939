import { type EventIO, eventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { clearSession, regenerateSession, updateSession } from "./api.ts";
import { type ResolvedConfig, resolveConfig } from "./config.ts";
import { loadState } from "./load.ts";
import { persist } from "./persist.ts";
import { currentState, type SessionState } from "./state.ts";
import type { SessionConfig, SessionData, SessionManager } from "./types.ts";

/**
 * The session of this request with its verbs. A new session is written at
 * once, so its id is stable across requests. `id` and `data` are live: they
 * always show the request's current session, also after `clear()`.
 *
 * @example
 * const session = await useSession<{ user: string; role: string }>(event, {
 *   password: process.env.SESSION_SECRET!,
 * });
 * await session.update({ role: "member" });
 */
export async function useSession<T extends object = SessionData>(
  event: AnyEvent,
  // A config typed loosely (`as SessionConfig`) is accepted with `T` given explicitly; it
  // omits `userId` so that an inline `userId` callback is still typed `(data: T)`.
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<SessionManager<T>> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const io = eventIO(event);
  const state = await loadState(io, resolved, event);
  if (state.isNew) await updateSession(event, config);
  // Accessors shared by every manager: literal getters (new closures per call)
  // would give each manager its own hidden class, which is slow and makes
  // young-generation GC promote the whole request.
  const manager = Object.defineProperties({}, VIEWS) as SessionManager<T>;
  Object.defineProperty(manager, kLive, { value: { io, config: resolved } satisfies Live });
  Object.assign(manager, {
    async update(update) {
      await updateSession(event, config, update);
      return manager;
    },
    async clear() {
      await clearSession(event, config);
      return manager;
    },
    async regenerate(options) {
      await regenerateSession(event, config, options);
      return manager;
    },
    async flash(key, value) {
      const current = await loadState(io, resolved, event);
      current.flash = { ...current.flash, [key]: value };
      await persist(io, resolved, current, event);
      return manager;
    },
    async flashes() {
      const current = await loadState(io, resolved, event);
      const messages = current.flash ?? {};
      if (Object.keys(messages).length === 0) return {};
      current.flash = undefined;
      await persist(io, resolved, current, event);
      return messages;
    },
  } satisfies Omit<SessionManager<T>, "id" | "data" | "createdAt">);
  return manager;
}

const kLive: unique symbol = Symbol("sealed-session.live");

interface Live {
  readonly io: EventIO;
  readonly config: ResolvedConfig;
}

/** The request's current state for a manager (also after `clear()` replaced it). */
function live(manager: object): SessionState | undefined {
  const { io, config } = (manager as { [kLive]: Live })[kLive];
  return currentState(io, config);
}

/** `id`, `data` and `createdAt`: live views, defined once, own and enumerable as before. */
const VIEWS = Object.getOwnPropertyDescriptors({
  get id() {
    return live(this)?.session.id;
  },
  get data() {
    return live(this)?.session.data ?? {};
  },
  get createdAt() {
    return live(this)?.session.createdAt ?? 0;
  },
});
