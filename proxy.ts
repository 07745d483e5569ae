import { type NextRequest, NextResponse } from "next/server";
import { hasValidSession } from "@/lib/auth/session";

/**
 * Pages need a signed-in browser; anyone else goes to /login and comes back after. This is the
 * first guard, not the only one: every page and route handler checks again itself.
 */
export async function proxy(request: NextRequest) {
  if (await hasValidSession(request.headers.get("cookie"))) return NextResponse.next();
  const login = new URL("/login", request.url);
  const back = request.nextUrl.pathname + request.nextUrl.search;
  if (back !== "/") login.searchParams.set("callbackUrl", back);
  return NextResponse.redirect(login);
}

export const config = { matcher: ["/", "/sessions/:path*", "/analytics/:path*", "/instances/:path*"] };
