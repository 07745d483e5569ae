import { getConfig } from "../config";
import { retryAfterSeconds } from "../auth/login-limiter";
import { checkDashboardPassword, limitedMessage, type PasswordCheck } from "../auth/password-check";
import { safeEqual } from "../auth/secrets";
import { clientAddressOf } from "../http/remote-address";

export type MetricsAccess =
  | { ok: true }
  | { ok: false; status: 401 | 403; code: "unauthorized" | "forbidden"; message: string }
  | { ok: false; status: 429; code: "rate_limited"; message: string; retryAfter: number };

/**
 * Who may scrape /metrics: the dashboard password (`X-API-Key` or `Authorization: Bearer`), or
 * METRICS_TOKEN as a Bearer token, which is what Prometheus' `authorization` block sends and
 * keeps the password out of the Prometheus configuration.
 */
export function authorizeMetrics(headers: Headers): MetricsAccess {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1]?.trim() ?? null;
  const key = headers.get("x-api-key");
  const token = getConfig().metricsToken;
  const client = clientAddressOf(headers);
  // A limited client is refused before METRICS_TOKEN is compared too: a wrong token counts as a
  // failed password below, and must not go on being tried once the limit is reached.
  const wait = retryAfterSeconds(client);
  if (wait > 0)
    return { ok: false, status: 429, code: "rate_limited", message: limitedMessage(wait), retryAfter: wait };
  if (token !== null && safeEqual(bearer, token)) return { ok: true };
  const password = key ?? bearer;
  // A wrong password here counts against the login form's failure limit.
  const check: PasswordCheck = password ? checkDashboardPassword(password, client) : { result: "rejected" };
  if (check.result === "accepted") return { ok: true };
  if (check.result === "plugin_key") {
    return {
      ok: false,
      status: 403,
      code: "forbidden",
      message: "the plugin API key may only send events; use METRICS_TOKEN or the dashboard password",
    };
  }
  if (check.result === "limited") {
    const { retryAfter } = check;
    return { ok: false, status: 429, code: "rate_limited", message: limitedMessage(retryAfter), retryAfter };
  }
  return {
    ok: false,
    status: 401,
    code: "unauthorized",
    message: "send METRICS_TOKEN or the dashboard password as Authorization: Bearer",
  };
}
