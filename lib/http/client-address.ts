import type { IncomingHttpHeaders } from "node:http";
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
