/**
 * ServerClock on clocks the test moves: against a local server the offset and
 * the round trip are ~0, so only a fake server time and a fake monotonic clock
 * can tell the midpoint, the margin, the RTT filter and the re-measurement.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ServerClock } from "../../src/store/server-clock.ts";

let mono = 0;
let wall = 0;

beforeEach(() => {
  mono = 1000;
  wall = 1_700_000_000_000;
  vi.spyOn(performance, "now").mockImplementation(() => mono);
  vi.spyOn(Date, "now").mockImplementation(() => wall);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A server whose next answers the test sets: each takes `rtt` ms of monotonic time. */
function server() {
  const answers: { at: number; rtt: number }[] = [];
  const read = vi.fn(async () => {
    const next = answers.shift();
    // The request is under way before the monotonic clock moves: a caller that does not wait reads it unmoved.
    await null;
    if (!next) throw new Error("no answer set");
    mono += next.rtt;
    return next.at;
  });
  return { read, answer: (at: number, rtt: number) => answers.push({ at, rtt }) };
}

/** Lets a background measurement finish (real timers: only the clocks are fake). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ServerClock", () => {
  it("maps a deadline to the server's clock from the midpoint of the round trip, minus the round trip and 5 ms", async () => {
    const { read, answer } = server();
    const clock = new ServerClock(read);
    answer(5_000_000.7, 20);
    // remaining 1000 ms; measured at mono 1000→1020 (midpoint 1010), now 1020: server now = 5_000_010.7.
    expect(await clock.toServer(wall + 1000)).toBe(Math.floor(5_000_010.7 + 1000 - 20 - 5));
    expect(read).toHaveBeenCalledTimes(1);
    // Later, the server time is carried forward on the monotonic clock, not on the wall clock.
    mono += 400;
    wall += 7_000;
    expect(await clock.toServer(wall + 1000)).toBe(Math.floor(5_000_410.7 + 1000 - 20 - 5));
    expect(read).toHaveBeenCalledTimes(1);
  });

  it("measures once for concurrent first calls", async () => {
    const { read, answer } = server();
    const clock = new ServerClock(read);
    answer(9_000, 0);
    const [a, b] = await Promise.all([clock.toServer(wall + 100), clock.toServer(wall + 100)]);
    expect(read).toHaveBeenCalledTimes(1);
    expect(a).toBe(9_000 + 100 - 5);
    expect(b).toBe(a);
  });

  it("measures again after 30 s, in the background: the call answers from the old measurement", async () => {
    const { read, answer } = server();
    const clock = new ServerClock(read);
    answer(50_000, 0);
    await clock.toServer(wall);
    // Exactly 30 s after the midpoint: still trusted.
    mono += 30_000;
    expect(await clock.toServer(wall)).toBe(80_000 - 5);
    expect(read).toHaveBeenCalledTimes(1);
    mono += 0.5;
    answer(200_000, 10);
    // The answer for this call still comes from the first measurement; the new one lands afterwards.
    expect(await clock.toServer(wall)).toBe(Math.floor(80_000.5 - 5));
    expect(read).toHaveBeenCalledTimes(2);
    await settle();
    // New midpoint at mono + 5 (rtt 10), mono now at its end: server now = 200_005, margin rtt 10 + 5.
    expect(await clock.toServer(wall)).toBe(200_005 - 10 - 5);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("keeps the old measurement when a new round trip took over 250 ms, and takes one of exactly 250 ms", async () => {
    const { read, answer } = server();
    const clock = new ServerClock(read);
    answer(10_000, 0);
    await clock.toServer(wall);
    mono += 30_001;
    answer(99_999_999, 250.5);
    expect(await clock.toServer(wall)).toBe(40_001 - 5);
    await settle();
    expect(read).toHaveBeenCalledTimes(2);
    // The stalled answer was dropped: still the first measurement, carried forward, and due for another.
    answer(500_000, 250);
    expect(await clock.toServer(wall)).toBe(Math.floor(10_000 + 30_251.5 - 5));
    await settle();
    expect(read).toHaveBeenCalledTimes(3);
    // Taken: midpoint 125 ms before now, margin 250 + 5.
    expect(await clock.toServer(wall)).toBe(500_000 + 125 - 250 - 5);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it("takes a slow first measurement: there is nothing better yet", async () => {
    const { read, answer } = server();
    const clock = new ServerClock(read);
    answer(70_000, 1_000);
    expect(await clock.toServer(wall + 3_000)).toBe(70_000 + 500 + 3_000 - 1_000 - 5);
  });

  it("refuses an answer that is not a number, and measures again on the next call", async () => {
    const { read, answer } = server();
    const clock = new ServerClock(read);
    answer(Number.NaN, 1);
    await expect(clock.toServer(wall)).rejects.toThrow("the store server answered a time that is not a number");
    answer(Number.POSITIVE_INFINITY, 1);
    await expect(clock.toServer(wall)).rejects.toThrow("not a number");
    answer(1_000, 0);
    expect(await clock.toServer(wall)).toBe(1_000 - 5);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it("swallows a failed background measurement and tries again on the next call after it", async () => {
    const { read, answer } = server();
    const clock = new ServerClock(read);
    answer(1_000, 0);
    await clock.toServer(wall);
    mono += 40_000;
    // No answer set: this re-measurement rejects, in the background (an unhandled rejection would fail the test).
    expect(await clock.toServer(wall)).toBe(41_000 - 5);
    await settle();
    expect(read).toHaveBeenCalledTimes(2);
    answer(90_000, 0);
    expect(await clock.toServer(wall)).toBe(41_000 - 5);
    expect(read).toHaveBeenCalledTimes(3);
  });
});
