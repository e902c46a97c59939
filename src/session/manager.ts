import { type EventIO, eventIO } from "../event/io.ts";
import type { AnyEvent } from "../event/types.ts";
import { clearSession, regenerateSession, updateSession } from "./api.ts";
import { type ResolvedConfig, resolveConfig } from "./config.ts";
import { loadState } from "./load.ts";
import { track } from "./pending.ts";
import { persist } from "./persist.ts";
import { currentState } from "./state.ts";
import type { SessionConfig, SessionData, SessionManager } from "./types.ts";

/**
 * The session of this request with its verbs. A new session is written at
 * once, so its id is stable across requests (in store mode the cookie holds
 * the id and no record is created until data is written), unless the
 * request's cookie was refused only because the derivation budget was spent
 * (`ERR_SEAL_BUSY`, under a flood): that cookie is left to open on a later
 * request instead of being replaced. `id` and `data` are live: they always
 * show the request's current session, also after `clear()`.
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
  // A token refused only for want of budget (a flood) is not overwritten: it may open on a later request.
  if (state.isNew && !state.busy) await updateSession(event, config);
  return createManager<T>(event, config, io, resolved);
}

/**
 * The lazy form of {@link useSession}, for framework adapters: the same
 * manager, but a session that is never written costs no Set-Cookie and no
 * record. Every verb is tracked (see `settled`) so an adapter can hold the
 * response until writes the app did not await have landed.
 */
export async function openSession<T extends object = SessionData>(
  event: AnyEvent,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
): Promise<SessionManager<T>> {
  const resolved = resolveConfig(config as unknown as SessionConfig<object>);
  const io = eventIO(event);
  // Not tracked: it is awaited here, before the app holds the manager (so is a reseal it makes).
  await loadState(io, resolved, event);
  return createManager<T>(event, config, io, resolved);
}

function createManager<T extends object>(
  event: AnyEvent,
  config: SessionConfig<T> | Omit<SessionConfig, "userId">,
  io: EventIO,
  resolved: ResolvedConfig,
): SessionManager<T> {
  const manager = new LiveSession(io, resolved) as LiveSession & SessionManager<T>;
  // Methods are own closures, as in h3, so that `const { update } = session` keeps working.
  manager.update = (update) =>
    track(
      io,
      updateSession(event, config, update).then(() => manager),
    );
  manager.clear = () =>
    track(
      io,
      clearSession(event, config).then(() => manager),
    );
  manager.regenerate = (options) =>
    track(
      io,
      regenerateSession(event, config, options).then(() => manager),
    );
  manager.flash = (key, value) =>
    track(
      io,
      (async () => {
        const current = await loadState(io, resolved, event);
        current.flash = { ...current.flash, [key]: value };
        await persist(io, resolved, current, event);
        return manager;
      })(),
    );
  manager.flashes = () =>
    track(
      io,
      (async () => {
        const current = await loadState(io, resolved, event);
        const messages = current.flash ?? {};
        if (Object.keys(messages).length === 0) return {};
        current.flash = undefined;
        await persist(io, resolved, current, event);
        return messages;
      })(),
    );
  return manager;
}

/**
 * `id`, `data` and `createdAt` as live views of the request's current state
 * (also after `clear()` replaced it). Getters on a shared prototype keep one
 * hidden class for every manager; per-object accessors put each manager in
 * dictionary mode, which costs microseconds per request.
 */
class LiveSession {
  readonly #io: EventIO;
  readonly #config: ResolvedConfig;

  constructor(io: EventIO, config: ResolvedConfig) {
    this.#io = io;
    this.#config = config;
  }

  get id(): string | undefined {
    return currentState(this.#io, this.#config)?.session.id;
  }

  get data(): SessionData {
    return currentState(this.#io, this.#config)?.session.data ?? {};
  }

  get createdAt(): number {
    return currentState(this.#io, this.#config)?.session.createdAt ?? 0;
  }

  /** What `JSON.stringify(session)` shows, since the views live on the prototype. */
  toJSON(): { id: string | undefined; createdAt: number; data: SessionData } {
    return { id: this.id, createdAt: this.createdAt, data: this.data };
  }
}
