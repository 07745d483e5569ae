"use client";

import { useState } from "react";
import { type PendingRequest, replyPermission } from "./api";
import { dangerButton, field, PRIMARY_ACTION, primaryButton, secondaryButton } from "./styles";
import { useCommand } from "./use-command";

/** Allow once / Always allow / Reject (optionally telling the agent why) for a pending permission. */
export function PermissionActions({ sessionId, request }: { sessionId: string; request: PendingRequest }) {
  const { send, busy, error } = useCommand(sessionId);
  const [message, setMessage] = useState("");
  const [explaining, setExplaining] = useState(false);
  const reply = (kind: "once" | "always" | "reject") =>
    void send(() => replyPermission(sessionId, request.id, kind, kind === "reject" ? message : undefined));
  return (
    <div className="space-y-2" data-testid="permission-actions">
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          disabled={busy}
          onClick={() => reply("once")}
          className={primaryButton}
          {...{ [PRIMARY_ACTION]: "" }}
        >
          Allow once
        </button>
        <button type="button" disabled={busy} onClick={() => reply("always")} className={secondaryButton}>
          Always allow
        </button>
        <button type="button" disabled={busy} onClick={() => reply("reject")} className={dangerButton}>
          Reject
        </button>
        {!explaining && (
          <button
            type="button"
            onClick={() => setExplaining(true)}
            className="min-h-11 px-1 text-xs text-muted underline hover:text-ink sm:min-h-8"
          >
            Reject with a message…
          </button>
        )}
      </div>
      {explaining && (
        <label className="block max-w-xl text-xs text-muted">
          Message for the agent (sent with Reject)
          <input
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !busy) reply("reject");
            }}
            maxLength={4000}
            className={`${field} mt-1 text-ink`}
            placeholder="e.g. use the Makefile target instead"
          />
        </label>
      )}
      {error && (
        <p role="alert" className="text-xs text-error">
          {error}
        </p>
      )}
    </div>
  );
}
