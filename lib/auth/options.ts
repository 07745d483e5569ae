import { randomUUID } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { clientAddressOf } from "../http/remote-address";
import { checkDashboardPassword } from "./password-check";
import { sameOriginPath } from "./redirect-target";
import { SESSION_MAX_AGE_S, sessionSecret } from "./session-secret";
import { endLogin } from "./sign-out";

/**
 * next-auth: one shared password, a JWT session in an httpOnly, SameSite=Lax cookie. Each sign-in
 * gets its own login id (`lid`), kept when next-auth renews the token, so that signing out can
 * end that login on the server too (lib/auth/sign-out.ts) and not only clear this browser's cookie.
 */
export function authOptions(): NextAuthOptions {
  return {
    secret: sessionSecret(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/login", error: "/login" },
    // next-auth follows `callbackUrl` after sign-in and sign-out: the same rule as the login page.
    callbacks: {
      redirect: ({ url, baseUrl }) => baseUrl + sameOriginPath(url, baseUrl),
      jwt: ({ token, user }) => (user ? { ...token, lid: randomUUID() } : token),
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.lid === "string") await endLogin(token.lid);
      },
    },
    providers: [
      CredentialsProvider({
        name: "Password",
        credentials: { password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          // The limit is enforced where the password is checked, so that no spelling of the
          // route can skip it; even the right password is refused while the client is limited.
          const client = clientAddressOf((req?.headers ?? {}) as Record<string, string>);
          const check = checkDashboardPassword(credentials?.password, client);
          return check.result === "accepted" ? { id: "dashboard", name: "Dashboard" } : null;
        },
      }),
    ],
  };
}
