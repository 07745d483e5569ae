import { recordFailure, recordSuccess, retryAfterSeconds } from "./login-limiter";
import { isDashboardPassword, isPluginKey } from "./secrets";

export type PasswordCheck =
  | { result: "accepted" }
  | { result: "rejected" }
  /** The plugin's key where the password belongs: refused, but a secret rather than a guess, so not counted. */
  | { result: "plugin_key" }
  | { result: "limited"; retryAfter: number };

/**
 * Every door that takes the dashboard password (the login form, X-API-Key on /api and /metrics,
 * the socket.io handshake) checks it here, so one failure limit covers them all: a door without
 * it would let a script guess the password as fast as it can send. While a client is limited the
 * password is not even compared, so the right one is refused too and nothing can be learnt; nor
 * is the plugin key, which would otherwise tell itself apart from a wrong guess at no cost.
 */
export function checkDashboardPassword(given: string | null | undefined, client: string): PasswordCheck {
  const wait = retryAfterSeconds(client);
  if (wait > 0) return { result: "limited", retryAfter: wait };
  if (isDashboardPassword(given)) {
    recordSuccess(client);
    return { result: "accepted" };
  }
  if (isPluginKey(given)) return { result: "plugin_key" };
  recordFailure(client);
  return { result: "rejected" };
}

/** What a limited client is told, wherever it knocked. */
export function limitedMessage(retryAfter: number) {
  return `Too many failed sign-ins. Try again in ${retryAfter} s.`;
}
