import type { IncomingHttpHeaders } from "node:http";
import { clientAddress } from "./client-address";

/**
 * Route handlers cannot see the TCP peer, so server.ts copies it into this header, overwriting
 * any value a client sent.
 */
export const REMOTE_ADDRESS_HEADER = "x-ocd-remote-address";

/** The client's address as seen from a route handler (honours TRUST_PROXY). */
export function clientAddressOf(headers: Headers | IncomingHttpHeaders): string {
  const peer = headers instanceof Headers ? headers.get(REMOTE_ADDRESS_HEADER) : headers[REMOTE_ADDRESS_HEADER];
  return clientAddress(headers, Array.isArray(peer) ? peer[0] : peer);
}
