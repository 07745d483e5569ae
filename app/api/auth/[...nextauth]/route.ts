import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { retryAfterSeconds } from "@/lib/auth/login-limiter";
import { jsonError } from "@/lib/http/errors";
import { clientAddressOf } from "@/lib/http/remote-address";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/** next-auth's routes, with sign-in attempts refused (429) while a client is over its failure limit. */
async function handler(request: Request, context: Context) {
  const { pathname } = new URL(request.url);
  if (request.method === "POST" && pathname.endsWith("/callback/credentials")) {
    const wait = retryAfterSeconds(clientAddressOf(request.headers));
    if (wait > 0) {
      return jsonError(
        429,
        "rate_limited",
        `Too many failed sign-ins. Try again in ${wait} s.`,
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
