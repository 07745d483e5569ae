import { runtime } from "../runtime";

/**
 * Failed sign-ins per client: after MAX_FAILURES within WINDOW_MS, further attempts are refused
 * until the oldest failure leaves the window. In memory: one process serves the dashboard, and
 * a restart forgetting the count is acceptable for a guard against password guessing.
 */
const MAX_FAILURES = 5;
const WINDOW_MS = 60_000;
const MAX_CLIENTS = 10_000;

const failures: Map<string, number[]> = (runtime.limits.loginFailures ??= new Map());

function recent(client: string, now: number) {
  const list = (failures.get(client) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length) failures.set(client, list);
  else failures.delete(client);
  return list;
}

/** Seconds until this client may try again, or 0 when it may try now. */
export function retryAfterSeconds(client: string, now = Date.now()): number {
  const list = recent(client, now);
  if (list.length < MAX_FAILURES) return 0;
  return Math.max(1, Math.ceil((list[list.length - MAX_FAILURES] + WINDOW_MS - now) / 1000));
}

export function recordFailure(client: string, now = Date.now()) {
  if (failures.size >= MAX_CLIENTS && !failures.has(client)) {
    // Bound memory under a flood of distinct addresses: forget the oldest entry.
    const oldest = failures.keys().next().value;
    if (oldest !== undefined) failures.delete(oldest);
  }
  failures.set(client, [...recent(client, now), now]);
}

export function recordSuccess(client: string) {
  failures.delete(client);
}
