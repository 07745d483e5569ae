import type { IncomingHttpHeaders } from "node:http";

export type OriginPolicy = {
  /** Whether X-Forwarded-Proto and X-Forwarded-Host come from a reverse proxy we trust. */
  trustProxy: boolean;
  /** Further origins the dashboard is reached at (ALLOWED_ORIGINS), already normalised. */
  allowedOrigins: readonly string[];
};

type OriginCheck = { ok: true } | { ok: false; origin: string; expected: string[] };

const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim() || undefined;

/** `scheme://host[:port]` as a browser writes it in `Origin`, or null when it cannot be one. */
function normaliseOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The origin this request was sent to: its Host and the scheme of the connection, or what a
 * trusted proxy says they were (the same headers server.ts lets next-auth read).
 */
export function requestOrigin(headers: IncomingHttpHeaders, encrypted: boolean, trustProxy: boolean): string | null {
  const scheme = (trustProxy && first(headers["x-forwarded-proto"])) || (encrypted ? "https" : "http");
  const host = (trustProxy && first(headers["x-forwarded-host"])) || headers.host;
  return host ? normaliseOrigin(`${scheme.toLowerCase()}://${host}`) : null;
}

/**
 * Whether a browser request comes from the dashboard's own pages. Browsers send `Origin` on every
 * cross-origin request and every WebSocket handshake, so a request without one is not a page of
 * another site (it is a script, the plugin, or a same-origin GET) and passes on to authentication.
 */
export function checkOrigin(headers: IncomingHttpHeaders, encrypted: boolean, policy: OriginPolicy): OriginCheck {
  const origin = headers.origin;
  if (origin === undefined) return { ok: true };
  const own = requestOrigin(headers, encrypted, policy.trustProxy);
  const expected = [...(own ? [own] : []), ...policy.allowedOrigins];
  const normalised = normaliseOrigin(origin);
  if (normalised !== null && expected.includes(normalised)) return { ok: true };
  return { ok: false, origin, expected };
}
