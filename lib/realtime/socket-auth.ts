import type { Socket } from "socket.io";
import { isDashboardPassword } from "../auth/secrets";
import { hasValidSession } from "../auth/session";

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
