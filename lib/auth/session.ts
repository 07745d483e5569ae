import { decode } from "next-auth/jwt";
import { SESSION_COOKIES, sessionSecret } from "./session-secret";
import { isLoginEnded } from "./sign-out";

function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The login a Cookie header carries, or null when it carries none that is valid. One check for
 * every door: pages, /api, and the socket.io handshake. An expired token, or one signed before the
 * password changed, does not decrypt; one whose login was signed out (or that has no login id,
 * from before logins had one) is refused.
 */
export async function sessionLoginId(cookieHeader: string | null | undefined): Promise<string | null> {
  for (const name of SESSION_COOKIES) {
    const token = readCookie(cookieHeader, name);
    if (!token) continue;
    let payload;
    try {
      payload = await decode({ token, secret: sessionSecret() });
    } catch {
      // Not ours, tampered, or from before a password change: treated as signed out.
      continue;
    }
    const loginId = payload?.lid;
    if (payload?.sub === "dashboard" && typeof loginId === "string" && !(await isLoginEnded(loginId))) {
      return loginId;
    }
  }
  return null;
}

/** Whether a Cookie header carries a valid dashboard login (see sessionLoginId). */
export async function hasValidSession(cookieHeader: string | null | undefined): Promise<boolean> {
  return (await sessionLoginId(cookieHeader)) !== null;
}
