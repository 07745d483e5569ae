import { getConfig } from "../config";
import { checkOrigin } from "./request-origin";

/**
 * CSRF guard for state-changing requests that a browser authenticates with its cookie: the
 * request must come from a page of this dashboard (the same rule as the socket handshake, in
 * ./request-origin.ts). Browsers send `Origin` on every POST, PATCH and DELETE; where it is
 * missing, `Sec-Fetch-Site` must say same-origin.
 */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isCrossSiteWrite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  if (!request.headers.has("origin")) return request.headers.get("sec-fetch-site") !== "same-origin";
  // Route handlers only see requests server.ts has passed on: it has set X-Forwarded-Proto from
  // the connection (or kept a trusted proxy's) and dropped an untrusted X-Forwarded-Host, so
  // both can be read as trusted here.
  const policy = { trustProxy: true, allowedOrigins: getConfig().allowedOrigins };
  return !checkOrigin(Object.fromEntries(request.headers), false, policy).ok;
}
