"use client";

import { useCallback, useState, useSyncExternalStore } from "react";

/** A clock read on each tick; between ticks it answers the time of the last one (a stable snapshot). */
function createClock(start: number) {
  let now = start;
  return {
    read: () => now,
    /** Reads the time at once and then every `intervalMs`, telling `onTick` each time. */
    run(intervalMs: number, onTick: () => void) {
      const tick = () => {
        now = Date.now();
        onTick();
      };
      tick();
      const timer = setInterval(tick, intervalMs);
      return () => clearInterval(timer);
    },
  };
}

/**
 * The current time, ticking every `intervalMs`, for "3m ago" labels. It starts at the server's
 * render time so the first client render matches the HTML (no hydration mismatch), then ticks.
 */
export function useNow(intervalMs = 1000, renderedAt?: number) {
  const [clock] = useState(() => createClock(renderedAt ?? Date.now()));
  const subscribe = useCallback((onTick: () => void) => clock.run(intervalMs, onTick), [clock, intervalMs]);
  return useSyncExternalStore(subscribe, clock.read, () => renderedAt ?? clock.read());
}
