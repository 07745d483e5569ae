import { createHash, timingSafeEqual } from "node:crypto";
import { getConfig } from "../config";

const sha256 = (value: string) => createHash("sha256").update(value).digest();

/** The secrets' own digests, made once: every plugin request is checked against one. */
const secretDigests = new Map<string, Buffer>();
function digestOfSecret(secret: string) {
  let digest = secretDigests.get(secret);
  if (!digest) {
    if (secretDigests.size > 8) secretDigests.clear();
    digest = sha256(secret);
    secretDigests.set(secret, digest);
  }
  return digest;
}

/** Constant-time string comparison; hashing first hides the length of the secret too. */
export function safeEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== "string" || given.length === 0) return false;
  return timingSafeEqual(sha256(given), digestOfSecret(expected));
}

/** The plugin's key: it may write events and nothing else. */
export function isPluginKey(given: string | null | undefined) {
  return safeEqual(given, getConfig().apiKey);
}

/** The dashboard password, accepted as a header by /api and the socket.io handshake. */
export function isDashboardPassword(given: string | null | undefined) {
  return safeEqual(given, getConfig().frontendPassword);
}
