"use client";

import { useRouter } from "next/navigation";
import { useCallback } from "react";
import { useCatchUp, useLiveEvent } from "../live/live-provider";

/**
 * The setup steps promise that sessions appear live: the first session pushed, or one that arrived
 * while the page loaded, renders the board in their place.
 */
export function FirstSessionRefresh({ version }: { version: number }) {
  const router = useRouter();
  const refresh = useCallback(() => router.refresh(), [router]);
  useLiveEvent("session:upsert", refresh);
  useCatchUp(version, refresh);
  return null;
}
