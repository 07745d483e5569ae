"use client";

import { useEffect, useState } from "react";

/** The current time, ticking every `intervalMs`, for "3m ago" labels. One timer per caller. */
export function useNow(intervalMs = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
