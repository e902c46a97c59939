/** How long a measured clock offset is trusted before it is measured again (in the background). */
const REFRESH_MS = 30_000;
/** A measurement whose round trip took longer than this says more about a stall than about the clock. */
const USEFUL_RTT_MS = 250;
/** Kept off every deadline on top of the round trip: the reply needs time to come back before the request gives up. */
const SAFETY_MS = 5;

/**
 * A store server's clock as seen from this process, so that a write's
 * deadline can be checked by the server itself (which knows when a write
 * really happens) in the server's own time. `readServerTime` asks the server
 * for its time in ms (Redis: `TIME`; PostgreSQL: `clock_timestamp()`); it is
 * called on first use and again every 30 s in the background, and the time
 * is carried forward between measurements on the monotonic clock, so a step
 * of this machine's wall clock cannot shift it. Each deadline is moved earlier
 * by the round trip of the measurement: the estimate always errs towards refusing.
 */
export class ServerClock {
  readonly #readServerTime: () => Promise<number>;
  /** Server time (ms) at the midpoint of the last useful measurement… */
  #serverAt: number | undefined;
  /** …and `performance.now()` at that midpoint. */
  #monoAt = 0;
  #rtt = 0;
  #measuring: Promise<void> | undefined;

  constructor(readServerTime: () => Promise<number>) {
    this.#readServerTime = readServerTime;
  }

  /** `deadline` (ms since the epoch, this process's wall clock) in the server's clock, minus the margin. */
  async toServer(deadline: number): Promise<number> {
    const remaining = deadline - Date.now();
    if (this.#serverAt === undefined) await this.#measure();
    else if (performance.now() - this.#monoAt > REFRESH_MS) this.#measure().catch(() => {});
    const serverNow = (this.#serverAt ?? Date.now()) + (performance.now() - this.#monoAt);
    return Math.floor(serverNow + remaining - this.#rtt - SAFETY_MS);
  }

  #measure(): Promise<void> {
    this.#measuring ??= (async () => {
      try {
        const sent = performance.now();
        const serverAt = await this.#readServerTime();
        const received = performance.now();
        const rtt = received - sent;
        if (this.#serverAt !== undefined && rtt > USEFUL_RTT_MS) return;
        if (!Number.isFinite(serverAt)) throw new Error(`the store server answered a time that is not a number`);
        this.#serverAt = serverAt;
        this.#monoAt = (sent + received) / 2;
        this.#rtt = rtt;
      } finally {
        this.#measuring = undefined;
      }
    })();
    return this.#measuring;
  }
}
