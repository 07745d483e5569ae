import { randomBytes } from "node:crypto";
import type { CommandAction, CommandRow, CommandStatus, TimelineRow } from "../db/schema";
import { getConfig } from "../config";
import { emptyChanges } from "../realtime/changes";
import { getDb, getHub } from "../runtime";
import type { CommandArgs, CommandFrame } from "./protocol";

/**
 * Commands sent from the dashboard to a session's OpenCode: recorded before they leave, updated
 * as the plugin reports, and shown in the session's timeline. Writes are synchronous
 * better-sqlite3 statements on the ingest connection, like every other write.
 */

export type CommandItem = Omit<
  CommandRow,
  "session_id" | "args" | "client_address" | "user_agent" | "created_at" | "updated_at" | "expires_at"
> & {
  sessionId: string;
  args: unknown;
  clientAddress: string;
  userAgent: string | null;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
};

export function toCommandItem(row: CommandRow): CommandItem {
  return {
    id: row.id,
    sessionId: row.session_id,
    hostname: row.hostname,
    action: row.action,
    args: JSON.parse(row.args),
    status: row.status,
    reason: row.reason,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

export function toCommandFrame(row: CommandRow): CommandFrame {
  return {
    type: "command",
    id: row.id,
    sessionId: row.session_id,
    action: row.action,
    args: JSON.parse(row.args),
    expiresAt: row.expires_at,
  } as CommandFrame;
}

const PERMISSION_WORDS = { once: "Allowed once", always: "Always allowed", reject: "Rejected" } as const;

/** How the timeline names a command ("Allowed once from the dashboard"). */
function describe(action: CommandAction, args: CommandArgs[CommandAction]): string {
  switch (action) {
    case "permission.reply": {
      const a = args as CommandArgs["permission.reply"];
      return `${PERMISSION_WORDS[a.reply]} from the dashboard${a.message ? `: ${a.message}` : ""}`;
    }
    case "question.reply":
      return `Answered from the dashboard: ${(args as CommandArgs["question.reply"]).answers.map((a) => a.join(", ")).join("; ")}`;
    case "question.reject":
      return "Question dismissed from the dashboard";
    case "prompt":
      return "Prompt sent from the dashboard";
    case "abort":
      return "Stopped from the dashboard";
  }
}

export type NewCommand<A extends CommandAction = CommandAction> = {
  sessionId: string;
  hostname: string;
  action: A;
  args: CommandArgs[A];
  client: { address: string; userAgent: string | null };
};

/** Records a command as queued, with its timeline entry, and tells every dashboard. */
export function recordCommand(input: NewCommand, now = Date.now()): CommandRow {
  const { sqlite } = getDb();
  const row: CommandRow = {
    id: `cmd_${randomBytes(12)
      .toString("base64url")
      .replace(/[^A-Za-z0-9]/g, "x")}`,
    session_id: input.sessionId,
    hostname: input.hostname,
    action: input.action,
    args: JSON.stringify(input.args),
    status: "queued",
    reason: null,
    client_address: input.client.address,
    user_agent: input.client.userAgent?.slice(0, 500) ?? null,
    created_at: now,
    updated_at: now,
    expires_at: now + getConfig().commandTtlMs,
  };
  const entry = sqlite.transaction(() => {
    sqlite
      .prepare(
        `INSERT INTO commands (id, session_id, hostname, action, args, status, reason, client_address, user_agent,
           created_at, updated_at, expires_at)
         VALUES (@id, @session_id, @hostname, @action, @args, @status, @reason, @client_address, @user_agent,
           @created_at, @updated_at, @expires_at)`,
      )
      .run(row);
    return writeTimelineEntry(row, describe(input.action, input.args));
  })();
  publish(row, entry);
  return row;
}

/**
 * Moves a command on (queued → delivered → applied/failed, or → expired). A final status never
 * changes again, so a late or repeated report from a plugin cannot rewrite history.
 */
export function updateCommand(id: string, status: CommandStatus, reason: string | null = null, now = Date.now()) {
  const { sqlite } = getDb();
  const result = sqlite.transaction(() => {
    const row = sqlite
      .prepare(
        `UPDATE commands SET status = ?, reason = coalesce(?, reason), updated_at = ?
         WHERE id = ? AND status NOT IN ('applied', 'failed', 'expired') AND (? <> 'delivered' OR status = 'queued')
         RETURNING *`,
      )
      .get(status, reason, now, id, status) as CommandRow | undefined;
    return row ? { row, entry: writeTimelineEntry(row) } : undefined;
  })();
  if (result) publish(result.row, result.entry);
  return result?.row;
}

/** Commands past their deadline become expired; returns them. */
export function expireCommands(now = Date.now()): CommandRow[] {
  const { sqlite } = getDb();
  const rows = sqlite
    .prepare(
      `SELECT id FROM commands INDEXED BY commands_open
       WHERE status IN ('queued', 'delivered') AND expires_at <= ?`,
    )
    .pluck()
    .all(now) as string[];
  return rows
    .map((id) => updateCommand(id, "expired", `not applied within ${getConfig().commandTtlMs / 1000} s`, now))
    .filter((r): r is CommandRow => r !== undefined);
}

/** Unfinished, unexpired commands for these sessions, oldest first: what a (re)connect re-sends. */
export function openCommandsFor(sessionIds: string[], now = Date.now()): CommandRow[] {
  if (sessionIds.length === 0) return [];
  return getDb()
    .sqlite.prepare(
      `SELECT * FROM commands WHERE session_id IN (SELECT value FROM json_each(?))
         AND status IN ('queued', 'delivered') AND expires_at > ?
       ORDER BY created_at, id`,
    )
    .all(JSON.stringify(sessionIds), now) as CommandRow[];
}

export function getCommandRow(id: string): CommandRow | undefined {
  return getDb().sqlite.prepare("SELECT * FROM commands WHERE id = ?").get(id) as CommandRow | undefined;
}

/** The timeline entry that shows a command on its session's page, kept in step with its status. */
function writeTimelineEntry(row: CommandRow, title?: string): TimelineRow {
  const { sqlite } = getDb();
  return sqlite
    .prepare(
      `INSERT INTO timeline (session_id, key, kind, time, status, title, text, data, truncated, progress, updated_at)
       VALUES (?, ?, 'control', ?, ?, ?, ?, ?, 0, 0, ?)
       ON CONFLICT (key, session_id) DO UPDATE SET status = excluded.status, text = excluded.text,
         end_time = CASE WHEN excluded.status IN ('applied', 'failed', 'expired') THEN excluded.updated_at END,
         updated_at = excluded.updated_at
       RETURNING *`,
    )
    .get(
      row.session_id,
      `control:${row.id}`,
      row.created_at,
      row.status,
      title ?? null,
      row.reason,
      JSON.stringify({ commandId: row.id, action: row.action }),
      row.updated_at,
    ) as TimelineRow;
}

function publish(row: CommandRow, entry: TimelineRow) {
  const hub = getHub();
  if (!hub) return;
  const changes = emptyChanges();
  changes.timeline.push(entry);
  hub.publish(changes);
  hub.commandChanged(row);
}
