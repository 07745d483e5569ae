import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { clientAddressOf } from "../http/remote-address";
import { recordFailure, recordSuccess, retryAfterSeconds } from "./login-limiter";
import { sameOriginPath } from "./redirect-target";
import { isDashboardPassword } from "./secrets";
import { sessionSecret } from "./session-secret";

/** next-auth: one shared password, a JWT session in an httpOnly, SameSite=Lax cookie. */
export function authOptions(): NextAuthOptions {
  return {
    secret: sessionSecret(),
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/login", error: "/login" },
    // next-auth follows `callbackUrl` after sign-in and sign-out: the same rule as the login page.
    callbacks: { redirect: ({ url, baseUrl }) => baseUrl + sameOriginPath(url, baseUrl) },
    providers: [
      CredentialsProvider({
        name: "Password",
        credentials: { password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const client = clientAddressOf((req?.headers ?? {}) as Record<string, string>);
          // The limit is enforced where the password is checked, so that no spelling of the
          // route can skip it; even the right password is refused while the client is limited.
          if (retryAfterSeconds(client) > 0) return null;
          if (isDashboardPassword(credentials?.password)) {
            recordSuccess(client);
            return { id: "dashboard", name: "Dashboard" };
          }
          recordFailure(client);
          return null;
        },
      }),
    ],
  };
}
