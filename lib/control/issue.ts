import type { CommandAction, ControlLevel, SessionRow } from "../db/schema";
import { offlineAfterMs } from "../instances/item";
import { hostOfflineAt, isHostOnline } from "../sessions/active";
import { getDb, runtime } from "../runtime";
import { type CommandItem, type NewCommand, recordCommand, toCommandItem } from "./commands";
import { ALLOWED_ACTIONS, type CommandArgs } from "./protocol";

/**
 * Whether a command can be carried out on a session (docs/control.md): at once (`live`: its
 * OpenCode is connected), or when it reconnects (its host is online and allows it, but the
 * connection is down for a moment); otherwise why not.
 */
export type Availability = { ok: true; level: ControlLevel; live: boolean } | { ok: false; reason: string };

type SessionFacts = Pick<SessionRow, "id" | "hostname" | "status">;

/** Whether a live connection that allows `action` owns the session; otherwise says why. */
export function availability(session: SessionFacts, action: CommandAction, now = Date.now()): Availability {
  const host = session.hostname;
  const owner = runtime.control?.ownerOf(session.id);
  if (!owner) {
    // Its host may well be online (another OpenCode there, or the run's last heartbeat), but
    // nothing will take commands for this session: do not offer to queue them.
    if (runtime.control?.ranAndEnded(session.id)) {
      return { ok: false, reason: "started with `opencode run`, which has ended: continue it in a terminal" };
    }
    const instance = getDb()
      .sqlite.prepare("SELECT last_heartbeat, control FROM instances WHERE hostname = ?")
      .get(host) as { last_heartbeat: number | null; control: ControlLevel | null } | undefined;
    const online = isHostOnline(hostOfflineAt(instance?.last_heartbeat ?? null, offlineAfterMs()), now);
    if (!online) return { ok: false, reason: `${host} is offline` };
    if (!instance?.control || instance.control === "off") {
      return {
        ok: false,
        reason: `control is off on ${host} (its owner can set control = "answer" in dashboard.toml)`,
      };
    }
    if (!ALLOWED_ACTIONS[instance.control].includes(action)) {
      return { ok: false, reason: `control on ${host} is "${instance.control}": sending prompts needs "full"` };
    }
    // Online and allowing it, but no connection owns the session right now (a reconnect under
    // way): the command waits for it, until it expires.
    return { ok: true, level: instance.control, live: false };
  }
  if (owner.mode === "run" && action === "permission.reply") {
    return { ok: false, reason: "started with `opencode run`: it answers permissions itself" };
  }
  if (!ALLOWED_ACTIONS[owner.control].includes(action)) {
    return { ok: false, reason: `control on ${host} is "${owner.control}": sending prompts needs "full"` };
  }
  return { ok: true, level: owner.control, live: true };
}

type IssueFailure = { ok: false; status: 404 | 409 | 503; code: string; message: string };
export type IssueResult = { ok: true; command: CommandItem } | IssueFailure;

const fail = (status: IssueFailure["status"], code: string, message: string): IssueFailure => ({
  ok: false,
  status,
  code,
  message,
});

/** A permission or question must still be pending in that session; says what became of it if not. */
function checkPending(sessionId: string, kind: "permission" | "question", requestId: string): IssueFailure | null {
  const { sqlite } = getDb();
  const pending = sqlite
    .prepare("SELECT 1 FROM pending_requests WHERE id = ? AND session_id = ? AND kind = ?")
    .get(requestId, sessionId, kind);
  if (pending) return null;
  const entry = sqlite
    .prepare("SELECT status FROM timeline WHERE key = ? AND session_id = ?")
    .get(`${kind}:${requestId}`, sessionId) as { status: string | null } | undefined;
  if (!entry) return fail(404, "not_found", `${kind} ${requestId} was not found in session ${sessionId}`);
  return fail(409, "not_pending", `${kind} ${requestId} is no longer pending (${entry.status ?? "answered"})`);
}

/**
 * Checks that the command makes sense now and that someone may carry it out, records it, and
 * hands it to the session's plugin connection. The outcome arrives later (./channel.ts).
 */
export function issueCommand<A extends CommandAction>(
  request: { sessionId: string; action: A; args: CommandArgs[A]; client: NewCommand["client"] },
  now = Date.now(),
): IssueResult {
  const session = getDb()
    .sqlite.prepare("SELECT id, hostname, status, deleted_at FROM sessions WHERE id = ?")
    .get(request.sessionId) as (SessionFacts & { deleted_at: number | null }) | undefined;
  if (!session) return fail(404, "not_found", `session ${request.sessionId} was not found`);
  // OpenCode deleted it: there is nothing left there to answer, prompt or stop.
  if (session.deleted_at !== null)
    return fail(409, "session_deleted", `session ${session.id} was deleted in OpenCode; nothing can be done there`);

  const args = request.args as CommandArgs[CommandAction];
  const problem =
    request.action === "permission.reply"
      ? checkPending(session.id, "permission", (args as CommandArgs["permission.reply"]).permissionId)
      : request.action === "question.reply" || request.action === "question.reject"
        ? checkPending(session.id, "question", (args as CommandArgs["question.reject"]).requestId)
        : request.action === "abort" && session.status !== "busy" && session.status !== "retry"
          ? fail(409, "not_busy", `session ${session.id} is not working (it is ${session.status}); nothing to stop`)
          : null;
  if (problem) return problem;

  const available = availability(session, request.action, now);
  if (!available.ok) return fail(503, "control_unavailable", available.reason);

  const row = recordCommand({ ...request, hostname: session.hostname }, now);
  runtime.control?.deliver(row);
  return { ok: true, command: toCommandItem(row) };
}
