"use client";

import { useState } from "react";
import { sendPrompt } from "./api";
import { field, PRIMARY_ACTION, primaryButton } from "./styles";
import { useCommand } from "./use-command";

/** The next prompt for an idle session: Enter sends, Shift+Enter starts a new line. */
export function PromptBox({ sessionId }: { sessionId: string }) {
  const { send, busy, error } = useCommand(sessionId);
  const [text, setText] = useState("");
  const submit = async () => {
    if (!text.trim() || busy) return;
    if (await send(() => sendPrompt(sessionId, text))) setText("");
  };
  return (
    <form
      data-testid="prompt-box"
      className="space-y-1"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="flex items-end gap-2">
        <textarea
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            // While an input method composes, Enter confirms the composition, not the prompt.
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void submit();
            }
          }}
          rows={1}
          aria-label="Next prompt"
          placeholder="Send the next prompt (Enter sends, Shift+Enter new line)"
          className={`${field} field-sizing-content max-h-48 min-w-0 flex-1 resize-none text-ink`}
          {...{ [PRIMARY_ACTION]: "" }}
        />
        <button type="submit" disabled={busy || !text.trim()} className={primaryButton}>
          Send
        </button>
      </div>
      {error && (
        <p role="alert" className="text-xs text-error">
          {error}
        </p>
      )}
    </form>
  );
}
