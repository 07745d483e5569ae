import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { retryAfterSeconds } from "@/lib/auth/login-limiter";
import { limitedMessage } from "@/lib/auth/password-check";
import { jsonError } from "@/lib/http/errors";
import { clientAddressOf } from "@/lib/http/remote-address";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/**
 * Whether next-auth will treat this request as a password sign-in. It routes by the decoded path
 * segments (action, provider) and ignores the rest, so `/callback/credential%73` and
 * `/callback/credentials/anything` reach the same code as `/callback/credentials`.
 */
function isPasswordSignIn(request: Request, segments: string[] | undefined) {
  return request.method === "POST" && segments?.[0] === "callback" && segments[1] === "credentials";
}

/**
 * next-auth's routes, with sign-in attempts refused (429) while a client is over its failure limit.
 * The credentials provider's `authorize` refuses them too (lib/auth/options.ts): this answer only
 * adds the wait the login form shows.
 */
async function handler(request: Request, context: Context) {
  if (isPasswordSignIn(request, (await context.params)?.nextauth)) {
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
  // next-auth v4's App Router entry takes (request, context, options).
  return (NextAuth as unknown as (r: Request, c: Context, o: ReturnType<typeof authOptions>) => Promise<Response>)(
    request,
    context,
    authOptions(),
  );
}

export { handler as GET, handler as POST };
