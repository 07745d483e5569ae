"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useLive } from "../live/live-provider";
import { ThemeToggle } from "./theme-toggle";

const links = [
  { href: "/", label: "Sessions" },
  { href: "/analytics", label: "Analytics" },
  { href: "/instances", label: "Hosts" },
];

const stateLabel = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…" } as const;

async function signOut() {
  const { csrfToken } = await fetch("/api/auth/csrf").then((r) => r.json());
  await fetch("/api/auth/signout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/login", json: "true" }),
  });
  location.assign("/login");
}

export function TopNav() {
  const pathname = usePathname();
  const { state } = useLive();
  const active = (href: string) => (href === "/" ? pathname === "/" || pathname.startsWith("/sessions") : pathname.startsWith(href));

  return (
    <header className="sticky top-0 z-20 border-b border-line bg-surface/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-3 sm:gap-4 sm:px-6">
        <Link href="/" className="flex shrink-0 items-center gap-2 font-semibold" aria-label="OpenCode Dashboard, sessions">
          <img src="/icon.svg" alt="" className="size-7" />
          <span className="hidden sm:inline">OpenCode Dashboard</span>
        </Link>
        <nav aria-label="Main" className="flex min-w-0 items-center gap-1 overflow-x-auto">
          {links.map((link) => (
            <Link
              key={link.href}
              href={link.href}
              aria-current={active(link.href) ? "page" : undefined}
              className="rounded-lg px-2.5 py-1.5 text-sm font-medium text-muted hover:bg-raised hover:text-ink aria-[current=page]:bg-raised aria-[current=page]:text-ink"
            >
              {link.label}
            </Link>
          ))}
        </nav>
        <div className="ml-auto flex items-center gap-1 sm:gap-2">
          <span role="status" aria-live="polite" className="flex items-center gap-1.5 text-xs text-muted" data-testid="connection">
            <span aria-hidden="true" className={`size-2 rounded-full ${state === "live" ? "bg-busy" : state === "offline" ? "bg-error animate-pulse-dot" : "bg-wait"}`} />
            <span className="hidden sm:inline">{stateLabel[state]}</span>
          </span>
          <ThemeToggle />
          <button
            type="button"
            onClick={() => void signOut()}
            className="rounded-lg px-2.5 py-1.5 text-sm text-muted hover:bg-raised hover:text-ink focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
          >
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
