"use client";

import { useEffect, useRef, useState } from "react";
import { Markdown } from "./markdown";

/**
 * A streaming answer is re-rendered at most this often: each render parses and highlights the
 * whole Markdown so far, and the server may push a new snapshot of it several times a second.
 */
const STREAM_RENDER_MS = 250;

/** `value`, changing at most once per `intervalMs` (the latest value at the end of each interval). */
function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const shownAt = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, shownAt.current + intervalMs - Date.now());
    const timer = setTimeout(() => {
      shownAt.current = Date.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, intervalMs]);
  return shown;
}

/** An assistant text part: throttled while it streams, as is once it has ended. */
export function StreamingText({ text, streaming }: { text: string; streaming: boolean }) {
  const throttled = useThrottled(text, STREAM_RENDER_MS);
  return (
    <div data-testid={streaming ? "streaming-text" : undefined} aria-busy={streaming || undefined}>
      <Markdown text={streaming ? throttled : text} />
    </div>
  );
}
