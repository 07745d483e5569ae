import { createHash, createHmac } from "node:crypto";
import { getConfig } from "../config";

/**
 * The key that signs and encrypts login sessions. It mixes in the dashboard password, so that
 * changing FRONTEND_PASSWORD and restarting signs every browser out.
 */
export function sessionSecret(): string {
  const { authSecret, frontendPassword } = getConfig();
  const passwordHash = createHash("sha256").update(frontendPassword).digest("hex");
  return createHmac("sha256", authSecret).update(`dashboard-session:${passwordHash}`).digest("base64url");
}

/** next-auth's cookie names: the __Secure- one is used when the dashboard is served over https. */
export const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/** How long a login lasts without being used (next-auth renews it while the dashboard is open). */
export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;
