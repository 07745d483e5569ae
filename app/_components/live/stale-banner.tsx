"use client";

import { formatDateTime } from "../format";
import { useLive } from "./live-provider";

/**
 * While the live connection is down, nothing on the page moves on its own: states, counts and
 * "ago" labels are as of the moment it was lost. Say so, plainly and where it is seen first.
 */
export function StaleBanner() {
  const { state, offlineSince } = useLive();
  if (state !== "offline" || offlineSince === null) return null;
  return (
    <div
      role="status"
      data-testid="stale-banner"
      className="border-b border-line bg-wait-soft px-3 py-2 text-center text-sm text-ink sm:px-6"
    >
      Connection lost: what you see is as of {formatDateTime(offlineSince)} and may be out of date. Reconnecting…
    </div>
  );
}
