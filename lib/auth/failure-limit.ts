import { clientKey } from "../http/client-address";

/**
 * Failed attempts per client: after `maxFailures` within `windowMs`, further attempts are refused
 * until the oldest failure leaves the window. In memory: one process serves the dashboard, and a
 * restart forgetting the count is acceptable for a guard against guessing.
 */
export class FailureLimit {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxClients = 10_000,
  ) {}

  private recent(key: string, now: number) {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds until this client may try again, or 0 when it may try now. */
  retryAfterSeconds(client: string, now = Date.now()): number {
    const list = this.recent(clientKey(client), now);
    if (list.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.maxFailures] + this.windowMs - now) / 1000));
  }

  recordFailure(client: string, now = Date.now()) {
    const key = clientKey(client);
    if (this.failures.size >= this.maxClients && !this.failures.has(key)) {
      // Bound memory under a flood of distinct addresses: forget the oldest entry.
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(key, [...this.recent(key, now), now]);
  }

  recordSuccess(client: string) {
    this.failures.delete(clientKey(client));
  }
}
