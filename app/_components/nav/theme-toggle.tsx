"use client";

import { useEffect, useState } from "react";
import { THEME_KEY } from "./theme-sync";

/** Light or dark; the first choice follows the system, a click remembers the user's own. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<"light" | "dark" | null>(null);
  useEffect(() => setTheme(document.documentElement.dataset.theme === "dark" ? "dark" : "light"), []);

  function toggle() {
    const next = theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem(THEME_KEY, next);
    setTheme(next);
  }

  return (
    <button
      type="button"
      onClick={toggle}
      aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
      className="grid size-9 place-items-center rounded-lg text-muted hover:bg-raised hover:text-ink focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
    >
      <span aria-hidden="true">{theme === "dark" ? "☀︎" : "☾"}</span>
    </button>
  );
}
