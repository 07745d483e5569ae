import { recordFailure, recordSuccess, retryAfterSeconds } from "./login-limiter";
import { isDashboardPassword } from "./secrets";

export type PasswordCheck = { result: "accepted" } | { result: "rejected" } | { result: "limited"; retryAfter: number };

/**
 * Every door that takes the dashboard password (the login form, X-API-Key on /api and /metrics,
 * the socket.io handshake) checks it here, so one failure limit covers them all: a door without
 * it would let a script guess the password as fast as it can send. While a client is limited the
 * password is not even compared, so the right one is refused too and nothing can be learnt.
 */
export function checkDashboardPassword(given: string | null | undefined, client: string): PasswordCheck {
  const wait = retryAfterSeconds(client);
  if (wait > 0) return { result: "limited", retryAfter: wait };
  if (isDashboardPassword(given)) {
    recordSuccess(client);
    return { result: "accepted" };
  }
  recordFailure(client);
  return { result: "rejected" };
}

/** What a limited client is told, wherever it knocked. */
export function limitedMessage(retryAfter: number) {
  return `Too many failed sign-ins. Try again in ${retryAfter} s.`;
}
