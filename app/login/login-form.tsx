"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

type Outcome = { kind: "idle" } | { kind: "busy" } | { kind: "error"; message: string };

/**
 * Posts to next-auth's credentials callback directly (what next-auth/react's signIn does), so
 * that a 429 from the login limiter can be shown with its wait instead of failing opaquely.
 */
async function signIn(password: string, target: string): Promise<string | null> {
  const csrf = await fetch("/api/auth/csrf").then((r) => r.json() as Promise<{ csrfToken: string }>);
  const res = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-auth-return-redirect": "1" },
    body: new URLSearchParams({ csrfToken: csrf.csrfToken, password, callbackUrl: target, json: "true" }),
  });
  if (res.status === 429) {
    const body = (await res.json()) as { error: { message: string } };
    return body.error.message;
  }
  const body = (await res.json().catch(() => ({}))) as { url?: string };
  if (!res.ok || !body.url || new URL(body.url, location.href).searchParams.has("error"))
    return "That password is not right.";
  return null;
}

export function LoginForm({ target }: { target: string }) {
  const router = useRouter();
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  async function submit(form: FormData) {
    setOutcome({ kind: "busy" });
    try {
      const error = await signIn(String(form.get("password") ?? ""), target);
      if (error) return setOutcome({ kind: "error", message: error });
      router.replace(target);
      router.refresh();
    } catch {
      setOutcome({ kind: "error", message: "The dashboard did not answer. Is it running?" });
    }
  }

  return (
    <form action={submit} className="space-y-4">
      <div className="space-y-1.5">
        <label htmlFor="password" className="block text-sm font-medium">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          required
          autoFocus
          autoComplete="current-password"
          aria-describedby={outcome.kind === "error" ? "login-error" : "login-hint"}
          className="w-full rounded-lg border border-line bg-canvas px-3 py-2 text-base outline-none focus-visible:border-accent focus-visible:ring-2 focus-visible:ring-accent/30"
        />
        <p id="login-hint" className="text-xs text-muted">
          The dashboard password (FRONTEND_PASSWORD), printed on the server&apos;s first start.
        </p>
      </div>
      {outcome.kind === "error" && (
        <p id="login-error" role="alert" className="rounded-lg bg-error-soft px-3 py-2 text-sm text-error">
          {outcome.message}
        </p>
      )}
      <button
        type="submit"
        disabled={outcome.kind === "busy"}
        className="w-full rounded-lg bg-accent px-3 py-2 font-medium text-accent-ink transition hover:opacity-90 focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none disabled:opacity-60"
      >
        {outcome.kind === "busy" ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
