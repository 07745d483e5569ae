/** A sliding-window request limit per client: `limit` requests in any `windowMs`. */
export class RateLimit {
  private hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a request; `retryAfterS` says when the client may try again if it is over the limit. */
  take(client: string, now = Date.now()): { ok: true } | { ok: false; retryAfterS: number } {
    const recent = (this.hits.get(client) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(client, recent);
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.hits.set(client, recent);
    if (this.hits.size > 10_000) this.prune(now);
    return { ok: true };
  }

  private prune(now: number) {
    for (const [client, times] of this.hits) if (!times.some((t) => t > now - this.windowMs)) this.hits.delete(client);
  }
}
