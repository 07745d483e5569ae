"use client";

import { useCallback, useState, useSyncExternalStore } from "react";
import { learnServerTime, serverNow } from "./server-clock";

/** A clock read on each tick; between ticks it answers the time of the last one (a stable snapshot). */
function createClock(start: number) {
  let now = start;
  return {
    read: () => now,
    /** Reads the time at once and then every `intervalMs`, telling `onTick` each time. */
    run(intervalMs: number, onTick: () => void) {
      const tick = () => {
        now = serverNow();
        onTick();
      };
      tick();
      const timer = setInterval(tick, intervalMs);
      return () => clearInterval(timer);
    },
  };
}

/**
 * The current time on the server's clock (./server-clock.ts), ticking every `intervalMs`, for
 * "3m ago" labels and for judging hosts offline. It starts at the server's render time so the
 * first client render matches the HTML (no hydration mismatch), then ticks.
 */
export function useNow(intervalMs = 1000, renderedAt?: number) {
  const [clock] = useState(() => {
    if (renderedAt !== undefined) learnServerTime(renderedAt);
    return createClock(renderedAt ?? serverNow());
  });
  const subscribe = useCallback((onTick: () => void) => clock.run(intervalMs, onTick), [clock, intervalMs]);
  return useSyncExternalStore(subscribe, clock.read, () => renderedAt ?? clock.read());
}
