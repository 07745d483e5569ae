import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import { NONCE_HEADER } from "@/lib/http/security-headers";
import { ThemeSync } from "./_components/nav/theme-sync";
import "./globals.css";

export const metadata: Metadata = {
  title: "OpenCode Dashboard",
  description: "Live control room for OpenCode sessions on every machine",
  icons: { icon: "/icon.svg" },
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Runs before paint so the page never flashes the wrong theme: a stored choice, else the system's.
const themeScript = `(() => { try {
  const stored = localStorage.getItem("ocd-theme");
  const dark = stored ? stored === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  // Server-rendered analytics use the browser's time zone for "today" and calendar days.
  document.cookie = "tz=" + encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone) + "; path=/; max-age=31536000; samesite=lax";
} catch {} })();`;

/**
 * Reading the request's nonce (set by lib/http/security-headers.ts) also renders every page per
 * request: a page prerendered at build time would carry no nonce, and the CSP would block it.
 */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const nonce = (await headers()).get(NONCE_HEADER) ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-dvh bg-canvas font-sans text-ink antialiased">
        <ThemeSync />
        {children}
      </body>
    </html>
  );
}
