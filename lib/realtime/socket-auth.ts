import type { Socket } from "socket.io";
import { isDashboardPassword } from "../auth/secrets";

/**
 * socket.io handshake guard: dashboards authenticate with the dashboard password in
 * `auth.password` (the login session cookie is added with the login pages). The plugin key is
 * refused: a compromised machine must not watch every session.
 */
export function authenticateSocket(socket: Socket, next: (err?: Error) => void) {
  const auth = socket.handshake.auth as { password?: unknown } | undefined;
  const password = typeof auth?.password === "string" ? auth.password : undefined;
  if (isDashboardPassword(password)) return next();
  next(new Error("unauthorized"));
}
