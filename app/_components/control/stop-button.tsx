"use client";

import { stopSession } from "./api";
import { dangerButton } from "./styles";
import { useCommand } from "./use-command";

/** Stops a busy session (OpenCode's abort, like Esc in the terminal). */
export function StopButton({ sessionId }: { sessionId: string }) {
  const { send, busy, error } = useCommand(sessionId);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button
        type="button"
        disabled={busy}
        onClick={() => void send(() => stopSession(sessionId))}
        className={dangerButton}
      >
        Stop
      </button>
      {error && (
        <p role="alert" className="text-xs text-error">
          {error}
        </p>
      )}
    </div>
  );
}
