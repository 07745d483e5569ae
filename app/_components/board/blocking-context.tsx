"use client";

import {
  permissionFacts,
  permissionSubject,
  type QuestionItem,
  questionsOf,
  splitError,
} from "@/lib/sessions/blocking-context";
import type { SessionListItem } from "@/lib/sessions/list-item";
import type { PendingRequest } from "../control/api";
import { useControl } from "../control/control-provider";
import { formatDuration } from "../format";

/**
 * What a blocked, failed or retrying session is about, beside its status: the question's options,
 * what a permission is for, an error's details, the retry's attempt and next try. The board row
 * shows it on one line each (`compact`), the session page in full.
 */

type Session = Pick<SessionListItem, "id" | "status" | "attention" | "retry" | "errorMessage">;

/** Labels for the facts a row leaves out: the attention line names the subject already. */
const ROW_HIDDEN = new Set(["Pattern", "Patterns", "Always allow would cover", "Asks for"]);

function PermissionContext({ request, compact }: { request: PendingRequest; compact: boolean }) {
  const data = (request.data ?? {}) as { metadata?: unknown; patterns?: unknown };
  const facts = permissionFacts(request.data, request.summary);
  if (compact) {
    const subject = permissionSubject(data.metadata, data.patterns);
    const extra = facts.filter((f) => !ROW_HIDDEN.has(f.label) && f.value !== subject);
    if (!extra.length) return null;
    return (
      <p className="truncate text-xs text-muted" data-testid="permission-context">
        {extra.map((f) => `${f.label}: ${f.value}`).join(" · ")}
      </p>
    );
  }
  return (
    <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm" data-testid="permission-context">
      {facts.map((f) => (
        <div key={f.label} className="contents">
          <dt className="text-muted">{f.label}</dt>
          <dd className="font-mono break-all whitespace-pre-wrap">{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function QuestionOptions({ questions, compact }: { questions: QuestionItem[]; compact: boolean }) {
  return (
    <ul className="space-y-1 text-sm" data-testid="question-options" aria-label="The question's options">
      {questions.map((q, i) => (
        <li key={i} className={compact ? "truncate" : undefined}>
          {!compact && <span className="font-medium">{q.question} </span>}
          {q.options.length === 0 ? (
            <span className="text-muted">(free answer)</span>
          ) : (
            q.options.map((o, oi) => (
              <span key={o.label}>
                {oi > 0 && (
                  <span aria-hidden="true" className="text-muted">
                    {" · "}
                  </span>
                )}
                <span className="rounded border border-line px-1.5">{o.label}</span>
                {o.description && !compact && <span className="text-xs text-muted"> {o.description}</span>}
              </span>
            ))
          )}
          {q.multiple && <span className="ml-1 text-xs text-muted">(any of them)</span>}
        </li>
      ))}
    </ul>
  );
}

/** An error's first line stays in view; the stack trace or response body under it opens on demand. */
export function ErrorText({ message, prefix = "" }: { message: string | null; prefix?: string }) {
  const { headline, details } = splitError(message);
  return (
    <div className="min-w-0 flex-1 break-words" data-testid="error-text">
      <span data-testid="error-headline">{`${prefix}${headline || "Unknown error"}`}</span>
      {details && (
        <details className="mt-1 text-xs">
          <summary className="cursor-pointer">Details</summary>
          <pre className="mt-1 max-h-64 overflow-auto font-mono whitespace-pre-wrap" data-testid="error-details">
            {details}
          </pre>
        </details>
      )}
    </div>
  );
}

/** "Attempt 3 · rate limited · next try in 12s": ticks with `now`. */
function RetryLine({ retry, now }: { retry: NonNullable<Session["retry"]>; now: number }) {
  const parts = [retry.attempt !== null ? `Attempt ${retry.attempt}` : "Retrying"];
  if (retry.message) parts.push(splitError(retry.message).headline);
  if (retry.next !== null) {
    parts.push(retry.next > now ? `next try in ${formatDuration(retry.next - now)}` : "trying again now");
  }
  return (
    <p className="truncate text-xs text-retry" data-testid="retry-context" title={retry.message ?? undefined}>
      {parts.join(" · ")}
    </p>
  );
}

/**
 * The context of a session's blocking item. `pending` is what usePending gave (undefined while it
 * loads). Options of a question that can be answered here are left to the answer form.
 */
export function BlockingContext({
  session,
  pending,
  now,
  compact = false,
}: {
  session: Session;
  pending: PendingRequest[] | undefined;
  now: number;
  compact?: boolean;
}) {
  const { controlOf } = useControl();
  const reason = session.attention?.reason;
  if (session.status === "retry" && session.retry) return <RetryLine retry={session.retry} now={now} />;
  if (reason === "error" && compact) {
    const { details } = splitError(session.errorMessage ?? session.attention?.detail);
    return details ? <ErrorDetails details={details} /> : null;
  }
  if (reason !== "permission" && reason !== "question") return null;
  const request = pending?.find((p) => p.kind === reason);
  if (!request) return null;
  if (request.kind === "permission") return <PermissionContext request={request} compact={compact} />;
  if (controlOf(session.id)?.["question.reply"]?.ok) return null;
  const questions = questionsOf(request.data);
  return questions.length ? <QuestionOptions questions={questions} compact={compact} /> : null;
}

function ErrorDetails({ details }: { details: string }) {
  return (
    <details className="text-xs text-muted" data-testid="error-text">
      <summary className="cursor-pointer">Details</summary>
      <pre className="mt-1 max-h-48 overflow-auto font-mono whitespace-pre-wrap" data-testid="error-details">
        {details}
      </pre>
    </details>
  );
}

/** The attention banner's words: an error as its first line with the rest on demand. */
export function AttentionSummary({ session, text }: { session: Session; text: string }) {
  if (session.attention?.reason === "error") {
    return <ErrorText message={session.errorMessage ?? session.attention.detail} prefix="Error: " />;
  }
  return <span className="min-w-0 flex-1 font-medium break-words">{text}</span>;
}

/** The timeline entry of the error the attention banner shows (same event time), so it is shown once. */
export function errorShownAbove(
  entries: { key: string; kind: string; status: string | null; time: number }[],
  session: Session,
) {
  if (session.attention?.reason !== "error") return null;
  const since = session.attention.since;
  return entries.find((e) => e.kind === "error" && e.status === "error" && e.time === since)?.key ?? null;
}
