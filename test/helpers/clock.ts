import { afterEach, beforeEach, vi } from "vitest";

/**
 * Freezes `Date` at `start` for each test of the calling scope (timers stay
 * real) and returns `at(seconds)`, which moves the clock to `start + seconds`.
 */
export function useFakeClock(start = Date.UTC(2026, 0, 1)): (seconds: number) => void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  return (seconds) => vi.setSystemTime(start + seconds * 1000);
}
