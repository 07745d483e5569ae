import type { CommandAction, CommandRow, SessionRow } from "../db/schema";
import { getDb } from "../runtime";
import { type CommandItem, toCommandItem } from "./commands";
import { type Availability, availability } from "./issue";
import type { AuditParams } from "./params";

export type AuditPage = { commands: CommandItem[]; nextBefore: number | null };

/** Every command sent from the dashboard, newest first: when, what, from where, and the outcome. */
export function listAudit(p: AuditParams): AuditPage {
  const rows = getDb()
    .sqlite.prepare(
      `SELECT * FROM commands
       WHERE (@session IS NULL OR session_id = @session) AND (@before IS NULL OR created_at < @before)
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    )
    .all({ session: p.session ?? null, before: p.before ?? null, limit: p.limit + 1 }) as CommandRow[];
  const page = rows.slice(0, p.limit);
  return {
    commands: page.map(toCommandItem),
    nextBefore: rows.length > p.limit ? page[page.length - 1].created_at : null,
  };
}

const ACTIONS: CommandAction[] = ["permission.reply", "question.reply", "prompt", "abort"];
export type SessionControl = { sessionId: string } & Partial<Record<CommandAction, Availability>>;

/** What the dashboard may do on each session now, and why not where it may not. */
export function controlOf(sessionIds: string[]): SessionControl[] {
  if (sessionIds.length === 0) return [];
  const sessions = getDb()
    .sqlite.prepare("SELECT id, hostname, status FROM sessions WHERE id IN (SELECT value FROM json_each(?))")
    .all(JSON.stringify(sessionIds)) as Pick<SessionRow, "id" | "hostname" | "status">[];
  const now = Date.now();
  return sessions.map((s) => ({
    sessionId: s.id,
    ...Object.fromEntries(ACTIONS.map((action) => [action, availability(s, action, now)])),
  }));
}
