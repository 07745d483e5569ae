/**
 * The server's clock as this browser sees it. Hosts go offline, and "3m ago" is counted, from
 * times the server stamped, so a browser clock a minute or more off would turn every host
 * offline (or keep a dead one online). Each page says when the server rendered it; a browser far
 * from that corrects by the difference.
 */

/**
 * How far apart the two clocks may be before the browser corrects for it. The gap seen at
 * hydration also holds the page's load time (seconds on a slow phone), so small gaps are left alone.
 */
const SKEW_TOLERANCE_MS = 10_000;

let correction = 0;

/** Learns the gap from a page the server rendered at `renderedAt` (in the browser only). */
export function learnServerTime(renderedAt: number) {
  if (typeof window === "undefined") return;
  const skew = renderedAt - Date.now();
  correction = Math.abs(skew) > SKEW_TOLERANCE_MS ? skew : 0;
}

/** Now, on the server's clock. */
export const serverNow = () => Date.now() + correction;
