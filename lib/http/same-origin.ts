/**
 * CSRF guard for state-changing requests that a browser authenticates with its cookie: the
 * request must come from a page of this dashboard. Browsers send `Origin` on every POST, PATCH
 * and DELETE; where it is missing, `Sec-Fetch-Site` says the same. The expected origin is the one
 * the request came to (server.ts fixes X-Forwarded-Proto, and drops X-Forwarded-Host unless
 * TRUST_PROXY says a proxy sets them).
 */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function ownOrigin(headers: Headers): string | null {
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
  if (!host) return null;
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  return `${proto}://${host}`;
}

export function isCrossSiteWrite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const origin = request.headers.get("origin");
  if (origin) return origin !== ownOrigin(request.headers);
  return request.headers.get("sec-fetch-site") !== "same-origin";
}
