"use client";

import { useEffect } from "react";

const BASE_TITLE = "OpenCode Dashboard";

function badgeIcon(count: number): string {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const c = canvas.getContext("2d");
  if (!c) return "/icon.svg";
  c.fillStyle = "#2458d6";
  c.beginPath();
  c.roundRect(0, 0, 64, 64, 14);
  c.fill();
  c.fillStyle = "#f59e0b";
  c.beginPath();
  c.arc(44, 20, 20, 0, Math.PI * 2);
  c.fill();
  c.fillStyle = "#111";
  c.font = "bold 26px system-ui, sans-serif";
  c.textAlign = "center";
  c.textBaseline = "middle";
  c.fillText(count > 9 ? "9+" : String(count), 44, 21);
  return canvas.toDataURL("image/png");
}

/** The tab title and favicon say how many sessions wait, so a background tab still tells. */
export function useAttentionSignals(waiting: number) {
  useEffect(() => {
    document.title = waiting > 0 ? `(${waiting}) waiting · ${BASE_TITLE}` : BASE_TITLE;
    let link = document.querySelector<HTMLLinkElement>("link[rel='icon'][data-live]");
    if (!link) {
      link = document.createElement("link");
      link.rel = "icon";
      link.dataset.live = "true";
      document.head.appendChild(link);
    }
    link.href = waiting > 0 ? badgeIcon(waiting) : "/icon.svg";
    return () => {
      document.title = BASE_TITLE;
    };
  }, [waiting]);
}
