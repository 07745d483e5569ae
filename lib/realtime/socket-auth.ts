import type { IncomingMessage } from "node:http";
import type { Socket } from "socket.io";
import { checkDashboardPassword, limitedMessage } from "../auth/password-check";
import { sessionLoginId } from "../auth/session";
import { clientAddress } from "../http/client-address";
import { checkOrigin, type OriginPolicy } from "../http/request-origin";
import { loginRoom } from "./messages";

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
 * compromised machine must not watch every session. A wrong password counts against the login
 * form's failure limit.
 */
export function authenticateSocket(socket: Socket, next: (err?: Error) => void) {
  const auth = socket.handshake.auth as { password?: unknown } | undefined;
  const password = typeof auth?.password === "string" ? auth.password : undefined;
  if (password) {
    // The handshake never passes through server.ts's request handler, so the peer address is
    // taken from the socket rather than from the header that handler sets.
    const check = checkDashboardPassword(password, clientAddress(socket.handshake.headers, socket.handshake.address));
    if (check.result === "accepted") return next();
    if (check.result === "limited") return next(new Error(limitedMessage(check.retryAfter)));
  }
  sessionLoginId(socket.handshake.headers.cookie).then(
    (loginId) => {
      if (loginId === null) return next(new Error("unauthorized"));
      // Signing out closes the sockets of that login (Hub.loginEnded).
      void socket.join(loginRoom(loginId));
      next();
    },
    () => next(new Error("unauthorized")),
  );
}
