import { clientAddressOf } from "../http/remote-address";
import { checkDashboardPassword, limitedMessage } from "./password-check";
import { hasValidSession } from "./session";

/**
 * Who may read /api: the dashboard (its session cookie) and scripts holding the dashboard
 * password in `X-API-Key`. The plugin's key is refused on purpose: it sits on every machine
 * that runs OpenCode, and one compromised machine must not be able to read every session.
 * A wrong password counts against the same failure limit as the login form.
 */
export type ApiAuth =
  | { ok: true; via: "password" | "session" }
  | { ok: false; status: 401 | 403; code: "unauthorized" | "forbidden"; message: string }
  | { ok: false; status: 429; code: "rate_limited"; message: string; retryAfter: number };

/** The browser's login session cookie (next-auth JWT). */
function hasDashboardSession(request: Request): Promise<boolean> {
  return hasValidSession(request.headers.get("cookie"));
}

export async function authenticateApi(request: Request): Promise<ApiAuth> {
  const key = request.headers.get("x-api-key");
  if (key) {
    const check = checkDashboardPassword(key, clientAddressOf(request.headers));
    if (check.result === "accepted") return { ok: true, via: "password" };
    if (check.result === "plugin_key") {
      return {
        ok: false,
        status: 403,
        code: "forbidden",
        message: "the plugin API key may only send events; use the dashboard password",
      };
    }
    if (check.result === "limited") {
      const { retryAfter } = check;
      return { ok: false, status: 429, code: "rate_limited", message: limitedMessage(retryAfter), retryAfter };
    }
    return { ok: false, status: 401, code: "unauthorized", message: "X-API-Key does not match the dashboard password" };
  }
  if (await hasDashboardSession(request)) return { ok: true, via: "session" };
  return {
    ok: false,
    status: 401,
    code: "unauthorized",
    message: "sign in, or send the dashboard password in X-API-Key",
  };
}
