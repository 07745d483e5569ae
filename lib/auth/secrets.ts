import { createHash, timingSafeEqual } from "node:crypto";
import { getConfig } from "../config";

/** Constant-time string comparison; hashing first hides the length of the secret too. */
export function safeEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== "string" || given.length === 0) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The plugin's key: it may write events and nothing else. */
export function isPluginKey(given: string | null | undefined) {
  return safeEqual(given, getConfig().apiKey);
}

/** The dashboard password, accepted as a header by /api and the socket.io handshake. */
export function isDashboardPassword(given: string | null | undefined) {
  return safeEqual(given, getConfig().frontendPassword);
}
