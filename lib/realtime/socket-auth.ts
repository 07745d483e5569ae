import type { IncomingMessage } from "node:http";
import type { Socket } from "socket.io";
import { isDashboardPassword } from "../auth/secrets";
import { hasValidSession } from "../auth/session";
import { checkOrigin, type OriginPolicy } from "../http/request-origin";

/**
 * socket.io's `allowRequest`, run on every new connection before anything else: a page of
 * another origin is refused even though the browser sends it the login cookie (SameSite=Lax
 * treats another port of the same host, or a sibling subdomain, as the same site).
 * `onRefused` hears the origin and what was expected, so a proxy left out of ALLOWED_ORIGINS shows.
 */
export function allowSameOrigin(policy: OriginPolicy, onRefused: (origin: string, expected: string[]) => void) {
  return (req: IncomingMessage, done: (error: string | null | undefined, success: boolean) => void) => {
    const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
    const check = checkOrigin(req.headers, encrypted, policy);
    if (check.ok) return done(null, true);
    onRefused(check.origin, check.expected);
    done("origin not allowed", false);
  };
}

/**
 * socket.io handshake guard: a browser signed in to the dashboard (its session cookie), or a
 * script with the dashboard password in `auth.password`. The plugin key is refused: a
 * compromised machine must not watch every session.
 */
export function authenticateSocket(socket: Socket, next: (err?: Error) => void) {
  const auth = socket.handshake.auth as { password?: unknown } | undefined;
  const password = typeof auth?.password === "string" ? auth.password : undefined;
  if (isDashboardPassword(password)) return next();
  hasValidSession(socket.handshake.headers.cookie).then(
    (ok) => next(ok ? undefined : new Error("unauthorized")),
    () => next(new Error("unauthorized")),
  );
}
