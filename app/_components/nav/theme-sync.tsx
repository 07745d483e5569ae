"use client";

import { useEffect } from "react";

export const THEME_KEY = "ocd-theme";

function applyTheme() {
  const stored = localStorage.getItem(THEME_KEY);
  const dark = stored ? stored === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

/**
 * Keeps <html data-theme> right after hydration and while the system theme changes (when the
 * user has not picked one). The inline script in the root layout sets it before first paint.
 */
export function ThemeSync() {
  useEffect(() => {
    applyTheme();
    const media = matchMedia("(prefers-color-scheme: dark)");
    media.addEventListener("change", applyTheme);
    return () => media.removeEventListener("change", applyTheme);
  }, []);
  return null;
}
