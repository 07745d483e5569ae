import { isDashboardPassword, isPluginKey } from "./secrets";
import { hasValidSession } from "./session";

/**
 * Who may read /api: the dashboard (its session cookie) and scripts holding the dashboard
 * password in `X-API-Key`. The plugin's key is refused on purpose: it sits on every machine
 * that runs OpenCode, and one compromised machine must not be able to read every session.
 */
export type ApiAuth =
  | { ok: true; via: "password" | "session" }
  | { ok: false; status: 401 | 403; code: "unauthorized" | "forbidden"; message: string };

/** The browser's login session cookie (next-auth JWT). */
function hasDashboardSession(request: Request): Promise<boolean> {
  return hasValidSession(request.headers.get("cookie"));
}

export async function authenticateApi(request: Request): Promise<ApiAuth> {
  const key = request.headers.get("x-api-key");
  if (key) {
    if (isDashboardPassword(key)) return { ok: true, via: "password" };
    if (isPluginKey(key)) {
      return {
        ok: false,
        status: 403,
        code: "forbidden",
        message: "the plugin API key may only send events; use the dashboard password",
      };
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
