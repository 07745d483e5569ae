"use client";

import { useState } from "react";
import type { TimelineEntry } from "@/lib/sessions/timeline";
import { formatDuration, isoTime } from "../format";
import { ErrorText } from "../board/blocking-context";
import { StreamingText } from "./streaming-text";

const PREVIEW_CHARS = 2000;

function Clock({ time }: { time: number }) {
  return (
    <time dateTime={isoTime(time)} className="text-xs text-muted tabular-nums" suppressHydrationWarning>
      {new Date(time).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })}
    </time>
  );
}

/** Long output shows its start; "Show all" reveals the rest (the server keeps at most 16 KB). */
function Output({ text, label }: { text: string; label: string }) {
  const [all, setAll] = useState(false);
  const long = text.length > PREVIEW_CHARS;
  return (
    <div>
      <p className="mb-1 text-xs font-medium text-muted">{label}</p>
      <pre className="max-h-[32rem] overflow-auto rounded-lg border border-line bg-canvas p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap break-words">
        {long && !all ? `${text.slice(0, PREVIEW_CHARS)}…` : text}
      </pre>
      {long && (
        <button type="button" onClick={() => setAll(!all)} className="mt-1 text-xs font-medium text-accent underline">
          {all ? "Show less" : `Show all (${Math.round(text.length / 1024)} KB)`}
        </button>
      )}
    </div>
  );
}

function prettyJson(text: string | null) {
  if (!text) return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const toolTone: Record<string, string> = {
  completed: "bg-busy-soft text-busy",
  error: "bg-error-soft text-error",
  running: "bg-retry-soft text-retry",
  pending: "bg-raised text-muted",
};

function ToolEntry({ entry }: { entry: TimelineEntry }) {
  const input = prettyJson(entry.input);
  return (
    <details
      className="group rounded-lg border border-line bg-surface open:shadow-[var(--shadow-card)]"
      data-testid="tool-entry"
    >
      <summary className="flex cursor-pointer list-none items-center gap-2 px-3 py-2 text-sm focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none [&::-webkit-details-marker]:hidden">
        <span aria-hidden="true" className="text-muted transition group-open:rotate-90">
          ▸
        </span>
        <span className="font-mono font-medium">{entry.tool ?? "tool"}</span>
        <span className="min-w-0 flex-1 truncate text-muted">{entry.title}</span>
        {entry.durationMs !== null && (
          <span className="text-xs text-muted tabular-nums">{formatDuration(entry.durationMs)}</span>
        )}
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-medium ${toolTone[entry.status ?? "pending"] ?? toolTone.pending}`}
        >
          {entry.status}
        </span>
      </summary>
      <div className="space-y-3 border-t border-line px-3 py-3">
        {input && <Output text={input} label="Input" />}
        {entry.output && <Output text={entry.output} label={entry.status === "error" ? "Error" : "Output"} />}
        {!input && !entry.output && <p className="text-sm text-muted">No input or output yet.</p>}
      </div>
    </details>
  );
}

const replyLabel: Record<string, string> = {
  asked: "Waiting for your answer",
  once: "Allowed once",
  always: "Always allowed",
  reject: "Rejected",
  answered: "Answered",
  rejected: "Dismissed",
};

function PromptCard({ entry }: { entry: TimelineEntry }) {
  const waiting = entry.status === "asked";
  const title = entry.kind === "permission" ? `Permission: ${entry.title ?? ""}` : (entry.title ?? "Question");
  return (
    <div
      className={`rounded-lg border px-3 py-2 ${waiting ? "border-wait-line bg-wait-soft" : "border-line bg-surface"}`}
      data-testid={`${entry.kind}-entry`}
    >
      <div className="flex items-center gap-2 text-sm">
        <span className="font-medium">{title}</span>
        <span
          className={`ml-auto rounded-full px-2 py-0.5 text-xs font-medium ${waiting ? "text-wait" : entry.status === "reject" || entry.status === "rejected" ? "bg-error-soft text-error" : "bg-busy-soft text-busy"}`}
        >
          {replyLabel[entry.status ?? "asked"] ?? entry.status}
        </span>
      </div>
      {entry.text && <p className="mt-1 font-mono text-sm break-words whitespace-pre-wrap">{entry.text}</p>}
      {entry.output && <p className="mt-1 text-sm text-muted">Answer: {entry.output}</p>}
    </div>
  );
}

function Line({ icon, children, tone = "text-muted" }: { icon: string; children: React.ReactNode; tone?: string }) {
  return (
    <p className={`flex items-start gap-2 text-sm ${tone}`}>
      <span aria-hidden="true">{icon}</span>
      <span className="min-w-0 break-words">{children}</span>
    </p>
  );
}

const CONTROL_STATUS: Record<string, string> = {
  queued: "waiting for the machine",
  delivered: "delivered",
  applied: "done",
  failed: "failed",
  expired: "expired",
};

function Body({ entry, shownAbove }: { entry: TimelineEntry; shownAbove: boolean }) {
  switch (entry.kind) {
    case "prompt":
      return (
        <div
          className="ml-auto max-w-[85%] rounded-2xl rounded-tr-sm bg-accent px-4 py-2.5 text-accent-ink"
          data-testid="prompt-entry"
        >
          <p className="break-words whitespace-pre-wrap">{entry.text}</p>
        </div>
      );
    case "text":
      return entry.text ? <StreamingText text={entry.text} streaming={entry.endTime === null} /> : null;
    case "reasoning":
      return (
        <details className="rounded-lg border border-dashed border-line px-3 py-2 text-sm text-muted">
          <summary className="cursor-pointer">Thinking</summary>
          <p className="mt-2 whitespace-pre-wrap">{entry.text}</p>
        </details>
      );
    case "tool":
      return <ToolEntry entry={entry} />;
    case "permission":
    case "question":
      return <PromptCard entry={entry} />;
    case "error":
      if (entry.status === "aborted") return <Line icon="⏹">Stopped by the user</Line>;
      if (shownAbove) return <Line icon="⚠" tone="text-error">{`${entry.title ?? "Error"} (shown at the top)`}</Line>;
      return (
        <div className="flex items-start gap-2 text-sm text-error">
          <span aria-hidden="true">⚠</span>
          <ErrorText message={entry.text} prefix={`${entry.title ?? "Error"}: `} />
        </div>
      );
    case "retry":
      return (
        <Line icon="↻" tone="text-retry">{`${entry.title ?? "Retry"}${entry.text ? `: ${entry.text}` : ""}`}</Line>
      );
    case "compaction":
      return <Line icon="⇲">Context compacted</Line>;
    case "diff": {
      const files = Array.isArray(entry.data)
        ? (entry.data as { file: string; additions: number; deletions: number }[])
        : [];
      return (
        <details className="text-sm">
          <summary className="cursor-pointer text-muted">{entry.title}</summary>
          <ul className="mt-1 space-y-0.5 font-mono text-xs">
            {files.map((f) => (
              <li key={f.file}>
                <span className="text-busy">+{f.additions}</span> <span className="text-error">−{f.deletions}</span>{" "}
                {f.file}
              </li>
            ))}
          </ul>
        </details>
      );
    }
    case "command":
      return <Line icon="›">{`${entry.title ?? ""} ${entry.text ?? ""}`}</Line>;
    case "control":
      // A command sent from the dashboard (docs/control.md) and what became of it.
      return (
        <Line icon="⌁" tone={entry.status === "failed" || entry.status === "expired" ? "text-error" : "text-muted"}>
          {`${entry.title ?? "Sent from the dashboard"} — ${CONTROL_STATUS[entry.status ?? ""] ?? entry.status ?? ""}${entry.text ? `: ${entry.text}` : ""}`}
        </Line>
      );
    case "subtask":
      return <Line icon="⑂">{`Subagent: ${entry.title ?? ""}`}</Line>;
    case "file":
      return <Line icon="📎">{entry.title ?? "Attached file"}</Line>;
    case "patch":
      return <Line icon="✎">{entry.title}</Line>;
    default:
      return null;
  }
}

/** `shownAbove`: this entry is the error the page's attention banner shows, so it is not repeated. */
export function TimelineItem({ entry, shownAbove = false }: { entry: TimelineEntry; shownAbove?: boolean }) {
  return (
    <li
      className="flex flex-col gap-1 [contain-intrinsic-size:auto_4rem] [content-visibility:auto]"
      data-kind={entry.kind}
      data-key={entry.key}
    >
      <div className={entry.kind === "prompt" ? "self-end" : undefined}>
        <Clock time={entry.time} />
      </div>
      <Body entry={entry} shownAbove={shownAbove} />
    </li>
  );
}
