"use client";

import { useEffect, useState } from "react";

/**
 * The current time, ticking every `intervalMs`, for "3m ago" labels. It starts at the server's
 * render time so the first client render matches the HTML (no hydration mismatch), then ticks.
 */
export function useNow(intervalMs = 1000, renderedAt?: number) {
  const [now, setNow] = useState(() => renderedAt ?? Date.now());
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
