import { getConfig } from "../config";
import { isDashboardPassword, isPluginKey, safeEqual } from "../auth/secrets";

export type MetricsAccess =
  { ok: true } | { ok: false; status: 401 | 403; code: "unauthorized" | "forbidden"; message: string };

/**
 * Who may scrape /metrics: the dashboard password (`X-API-Key` or `Authorization: Bearer`), or
 * METRICS_TOKEN as a Bearer token, which is what Prometheus' `authorization` block sends and
 * keeps the password out of the Prometheus configuration.
 */
export function authorizeMetrics(headers: Headers): MetricsAccess {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1]?.trim() ?? null;
  const key = headers.get("x-api-key");
  const token = getConfig().metricsToken;
  if (isDashboardPassword(key) || isDashboardPassword(bearer) || (token !== null && safeEqual(bearer, token)))
    return { ok: true };
  if (isPluginKey(key) || isPluginKey(bearer)) {
    return {
      ok: false,
      status: 403,
      code: "forbidden",
      message: "the plugin API key may only send events; use METRICS_TOKEN or the dashboard password",
    };
  }
  return {
    ok: false,
    status: 401,
    code: "unauthorized",
    message: "send METRICS_TOKEN or the dashboard password as Authorization: Bearer",
  };
}
