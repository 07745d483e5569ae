"use client";

import Image from "next/image";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { Announcer } from "../announcer";
import { focusFirstRow } from "../board/keyboard-shortcuts";
import { useLive } from "../live/live-provider";
import { ThemeToggle } from "./theme-toggle";

const links = [
  { href: "/", label: "Sessions" },
  { href: "/analytics", label: "Analytics" },
  { href: "/instances", label: "Hosts" },
];

/** The id of the dashboard layout's <main>, where "Skip to content" lands. */
const MAIN_ID = "main";

const stateLabel = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…" } as const;

async function signOut() {
  const { csrfToken } = await fetch("/api/auth/csrf").then((r) => r.json());
  await fetch("/api/auth/signout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/login", json: "true" }),
  });
  // A full page load, not a client navigation: nothing of the signed-in pages (router cache, the
  // live socket, the announcer's election) outlives the sign-out.
  location.assign(new URL("/login", location.origin).href);
}

export function TopNav() {
  const pathname = usePathname();
  const { state, socket } = useLive();
  const active = (href: string) =>
    href === "/" ? pathname === "/" || pathname.startsWith("/sessions") : pathname.startsWith(href);

  const onBoard = pathname === "/";
  // The first Tab stop: past the navigation to the first session on the board (else to the page).
  const skip = (e: React.MouseEvent) => {
    e.preventDefault();
    if (onBoard && focusFirstRow()) return;
    document.getElementById(MAIN_ID)?.focus();
  };

  return (
    <header className="sticky top-0 z-20 border-b border-line bg-surface/90 backdrop-blur">
      <a
        href={`#${MAIN_ID}`}
        onClick={skip}
        className="sr-only rounded-lg bg-accent px-3 py-2 text-sm font-medium text-accent-ink focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-30 focus:inline-flex focus:min-h-11 focus:items-center"
      >
        {onBoard ? "Skip to sessions" : "Skip to content"}
      </a>
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-2 gap-y-1 px-3 py-2 sm:h-14 sm:flex-nowrap sm:gap-4 sm:px-6 sm:py-0">
        <Link
          href="/"
          className="flex min-h-11 shrink-0 items-center gap-2 font-semibold sm:min-h-0"
          aria-label="OpenCode Dashboard, sessions"
        >
          {/* The size size-7 draws, so nothing shifts; eager, as it is in view at once. */}
          <Image src="/icon.svg" alt="" width={28} height={28} className="size-7" loading="eager" />
          <span className="hidden sm:inline">OpenCode Dashboard</span>
        </Link>
        {/* On phones the tabs take their own row under the bar. */}
        <nav aria-label="Main" className="order-last flex w-full min-w-0 items-center gap-1 sm:order-none sm:w-auto">
          {links.map((link) => (
            <Link
              key={link.href}
              href={link.href}
              aria-current={active(link.href) ? "page" : undefined}
              className="inline-flex min-h-11 items-center rounded-lg px-2.5 py-1.5 text-sm font-medium text-muted hover:bg-raised sm:min-h-0 hover:text-ink aria-[current=page]:bg-raised aria-[current=page]:text-ink"
            >
              {link.label}
            </Link>
          ))}
        </nav>
        <div className="ml-auto flex items-center gap-1 sm:gap-2">
          <span
            role="status"
            aria-live="polite"
            className="flex items-center gap-1.5 text-xs text-muted"
            data-testid="connection"
          >
            <span
              aria-hidden="true"
              className={`size-2 rounded-full ${state === "live" ? "bg-busy" : state === "offline" ? "bg-error animate-pulse-dot" : "bg-wait"}`}
            />
            <span className="hidden sm:inline">{stateLabel[state]}</span>
          </span>
          <Announcer socket={socket} />
          <ThemeToggle />
          <button
            type="button"
            onClick={() => void signOut()}
            className="min-h-11 rounded-lg px-2.5 py-1.5 text-sm whitespace-nowrap text-muted sm:min-h-0 hover:bg-raised hover:text-ink focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
          >
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
