"use client";

import { useSyncExternalStore } from "react";
import { THEME_KEY } from "./theme-sync";

type Theme = "light" | "dark";

/** <html data-theme>, which the root layout's script, ThemeSync and this toggle set. */
function subscribeTheme(onChange: () => void) {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => observer.disconnect();
}
const readTheme = (): Theme => (document.documentElement.dataset.theme === "dark" ? "dark" : "light");
/** The server does not know the theme: the button renders as for light until hydrated. */
const serverTheme = () => null;

/** Light or dark; the first choice follows the system, a click remembers the user's own. */
export function ThemeToggle() {
  const theme = useSyncExternalStore<Theme | null>(subscribeTheme, readTheme, serverTheme);

  function toggle() {
    const next = readTheme() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem(THEME_KEY, next);
  }

  return (
    <button
      type="button"
      onClick={toggle}
      aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
      className="grid size-11 place-items-center sm:size-9 rounded-lg text-muted hover:bg-raised hover:text-ink focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
    >
      <span aria-hidden="true">{theme === "dark" ? "☀︎" : "☾"}</span>
    </button>
  );
}
