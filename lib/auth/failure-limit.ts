import { isIPv4, isIPv6 } from "node:net";

/** IPv6 hextets that name one network: a host is usually given a whole /64 and can pick any address in it. */
const IPV6_NETWORK_HEXTETS = 4;

/**
 * What failures are counted by: an IPv4 address (also when written IPv4-mapped, `::ffff:1.2.3.4`),
 * or an IPv6 address's /64 network, since one machine can use any of its 2^64 addresses and would
 * otherwise start a fresh count with each. Anything else (`unknown`) is its own key.
 */
export function limitKey(address: string): string {
  const bare = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(bare)) return address;
  const [head, tail = ""] = bare.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = bare.includes("::") && tail ? tail.split(":") : [];
  const hextets = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${hextets
    .slice(0, IPV6_NETWORK_HEXTETS)
    .map((h) => h.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

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
    const list = this.recent(limitKey(client), now);
    if (list.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.maxFailures] + this.windowMs - now) / 1000));
  }

  recordFailure(client: string, now = Date.now()) {
    const key = limitKey(client);
    if (this.failures.size >= this.maxClients && !this.failures.has(key)) {
      // Bound memory under a flood of distinct addresses: forget the oldest entry.
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(key, [...this.recent(key, now), now]);
  }

  recordSuccess(client: string) {
    this.failures.delete(limitKey(client));
  }
}
