"use client";

import type { CommandAction } from "@/lib/db/schema";
import type { SessionListItem } from "@/lib/sessions/list-item";
import type { PendingRequest } from "./api";
import { CommandStatus } from "./command-status";
import { useControl } from "./control-provider";
import { PermissionActions } from "./permission-actions";
import { PromptBox } from "./prompt-box";
import { QuestionForm } from "./question-form";
import { StopButton } from "./stop-button";

type Session = Pick<SessionListItem, "id" | "status" | "attention" | "hostname">;

/** What the dashboard could do for this session now, if its machine allows it. */
export function wantedAction(session: Session, promptWhenIdle: boolean): CommandAction | null {
  const reason = session.attention?.reason;
  if (reason === "permission") return "permission.reply";
  if (reason === "question") return "question.reply";
  if (session.status === "busy" || session.status === "retry") return "abort";
  if (session.status === "idle" && (reason === "idle" || (!reason && promptWhenIdle))) return "prompt";
  return null;
}

/**
 * The actions for a session, in place: answer its pending permission or question, send the next
 * prompt, or stop it; offered only when its machine can carry them out, else one line says why.
 */
export function SessionControls({
  session,
  pending,
  promptWhenIdle = false,
  quietStop = false,
  className = "",
}: {
  session: Session;
  /** Its pending requests (usePending); undefined while they load. */
  pending: PendingRequest[] | undefined;
  /** Offer the prompt box on an idle session nobody was asked about (the session page does). */
  promptWhenIdle?: boolean;
  /** Say nothing when Stop is not possible (a busy row on the board is not waiting for anyone). */
  quietStop?: boolean;
  className?: string;
}) {
  const { controlOf } = useControl();
  const action = wantedAction(session, promptWhenIdle);
  const available = action ? controlOf(session.id)?.[action] : undefined;
  const request =
    action === "permission.reply" || action === "question.reply"
      ? pending?.find((p) => p.kind === session.attention?.reason)
      : undefined;

  let body: React.ReactNode = null;
  if (available && !available.ok) {
    body =
      action === "abort" && quietStop ? null : (
        <p className="text-xs text-muted" data-testid="control-unavailable">
          {available.reason}
        </p>
      );
  } else if (available?.ok) {
    const waitNote = !available.live && (
      <p className="text-xs text-muted">{session.hostname} is reconnecting: what you send goes out when it is back.</p>
    );
    const actions =
      action === "abort" ? (
        <StopButton sessionId={session.id} />
      ) : action === "prompt" ? (
        <PromptBox sessionId={session.id} />
      ) : request?.kind === "permission" ? (
        <PermissionActions key={request.id} sessionId={session.id} request={request} />
      ) : request?.kind === "question" ? (
        <QuestionForm key={request.id} sessionId={session.id} request={request} />
      ) : null;
    body = actions && (
      <>
        {actions}
        {waitNote}
      </>
    );
  }
  return (
    <div className={`space-y-1.5 empty:hidden ${className}`} data-testid="session-controls" data-action={action ?? ""}>
      {body}
      <CommandStatus sessionId={session.id} />
    </div>
  );
}
