import type { Socket } from "socket.io";
import { checkDashboardPassword, limitedMessage } from "../auth/password-check";
import { hasValidSession } from "../auth/session";
import { clientAddress } from "../http/client-address";

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
  hasValidSession(socket.handshake.headers.cookie).then(
    (ok) => next(ok ? undefined : new Error("unauthorized")),
    () => next(new Error("unauthorized")),
  );
}
