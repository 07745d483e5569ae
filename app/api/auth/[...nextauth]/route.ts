import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";
import { retryAfterSeconds } from "@/lib/auth/login-limiter";
import { limitedMessage } from "@/lib/auth/password-check";
import { bodyTooLarge, readBodyLimited } from "@/lib/http/body";
import { jsonError } from "@/lib/http/errors";
import { clientAddressOf } from "@/lib/http/remote-address";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/**
 * next-auth reads a POST body whole (`req.text()`), however large: the sign-in and sign-out forms
 * hold a password, a CSRF token and a callback URL, so anything past this is refused unread.
 */
const MAX_AUTH_BODY_BYTES = 16 * 1024;

/**
 * Whether next-auth will treat this request as a password sign-in. It routes by the decoded path
 * segments (action, provider) and ignores the rest, so `/callback/credential%73` and
 * `/callback/credentials/anything` reach the same code as `/callback/credentials`.
 */
function isPasswordRoute(segments: string[] | undefined) {
  return segments?.[0] === "callback" && segments[1] === "credentials";
}

/**
 * next-auth's routes, with sign-in attempts refused (429) while a client is over its failure limit.
 * The credentials provider's `authorize` refuses them too (lib/auth/options.ts): this answer only
 * adds the wait the login form shows.
 */
async function handler(request: Request, context: Context) {
  const passwordRoute = isPasswordRoute((await context.params)?.nextauth);
  // next-auth throws on any other method here, which would answer 500.
  if (passwordRoute && request.method !== "POST") {
    return jsonError(405, "method_not_allowed", "the password is sent with POST", undefined, { allow: "POST" });
  }
  if (passwordRoute) {
    const wait = retryAfterSeconds(clientAddressOf(request.headers));
    if (wait > 0) {
      return jsonError(
        429,
        "rate_limited",
        limitedMessage(wait),
        { retryAfter: wait },
        { "retry-after": String(wait) },
      );
    }
  }
  let bounded = request;
  if (request.method === "POST") {
    const body = await readBodyLimited(request, MAX_AUTH_BODY_BYTES);
    if ("tooLarge" in body) return bodyTooLarge(MAX_AUTH_BODY_BYTES);
    if ("notUtf8" in body) return jsonError(400, "invalid_body", "the body is not valid UTF-8");
    bounded = new NextRequest(request.url, { method: "POST", headers: request.headers, body: body.text });
  }
  // next-auth v4's App Router entry takes (request, context, options).
  return (NextAuth as unknown as (r: Request, c: Context, o: ReturnType<typeof authOptions>) => Promise<Response>)(
    bounded,
    context,
    authOptions(),
  );
}

export { handler as GET, handler as POST };
