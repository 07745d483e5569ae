import { decode } from "next-auth/jwt";
import { SESSION_COOKIES, sessionSecret } from "./session-secret";

function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Whether a Cookie header carries a valid dashboard login. One check for every door: pages,
 * /api, and the socket.io handshake. An expired token, or one signed before the password
 * changed, does not decrypt.
 */
export async function hasValidSession(cookieHeader: string | null | undefined): Promise<boolean> {
  for (const name of SESSION_COOKIES) {
    const token = readCookie(cookieHeader, name);
    if (!token) continue;
    try {
      const payload = await decode({ token, secret: sessionSecret() });
      if (payload?.sub === "dashboard") return true;
    } catch {
      // Not ours, tampered, or from before a password change: treated as signed out.
    }
  }
  return false;
}
