import type { IncomingHttpHeaders } from "node:http";
import { isIPv4, isIPv6 } from "node:net";
import { getConfig } from "../config";

type HeaderSource = Headers | IncomingHttpHeaders;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * The address a request came from, for rate limits and logs. Behind a reverse proxy
 * (TRUST_PROXY=true) it is the first X-Forwarded-For hop; the proxy must overwrite that header
 * with the peer it saw (README's nginx and Caddy snippets do), since a client can send its own.
 * Otherwise the header is ignored and the socket's peer address is the answer.
 */
export function clientAddress(
  headers: HeaderSource,
  remoteAddress: string | null | undefined,
  options: { trustProxy?: boolean } = {},
): string {
  const trustProxy = options.trustProxy ?? getConfig().trustProxy;
  if (trustProxy) {
    const first = header(headers, "x-forwarded-for")?.split(",")[0]?.trim();
    if (first) return first;
  }
  return remoteAddress || "unknown";
}

/** IPv6 hextets that name one network: a host is usually given a whole /64 and can pick any address in it. */
const IPV6_NETWORK_HEXTETS = 4;

/**
 * What per-client limits count by: an IPv4 address (also when written IPv4-mapped, `::ffff:1.2.3.4`),
 * or an IPv6 address's /64 network, since one machine can use any of its 2^64 addresses and would
 * otherwise start a fresh count with each. Anything else (`unknown`) is its own key.
 */
export function clientKey(address: string): string {
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
