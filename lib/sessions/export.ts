import {
  getChildren,
  getFullTimeline,
  getMessages,
  getSessionInfo,
  type MessageItem,
  type SessionInfo,
} from "./detail";
import type { SessionListItem } from "./list-item";
import type { TimelineEntry } from "./timeline";

/** Exports a user keeps: a session as JSON or Markdown, usage as CSV. */

export type SessionExport = {
  exportedAt: string;
  session: SessionInfo;
  children: SessionListItem[];
  messages: MessageItem[];
  timeline: TimelineEntry[];
};

export async function getSessionExport(id: string): Promise<SessionExport | null> {
  const session = await getSessionInfo(id);
  if (!session) return null;
  const [children, messages, timeline] = await Promise.all([getChildren(id), getMessages(id), getFullTimeline(id)]);
  return { exportedAt: new Date().toISOString(), session, children, messages, timeline };
}

/** A file name from a session title: letters, digits and dashes only, never empty. */
export function exportFileName(session: Pick<SessionInfo, "id" | "title">, extension: string) {
  const slug = session.title
    .normalize("NFKD")
    .replace(/[^\w\s-]/g, "")
    .trim()
    .replace(/[\s_]+/g, "-")
    .slice(0, 60)
    .toLowerCase();
  return `${slug || "session"}-${session.id.replace(/[^\w-]/g, "")}.${extension}`;
}

/** Times are bounded when received, but a database may hold one stored before that, past what a Date holds. */
const iso = (t: number | null) => (t === null || Number.isNaN(new Date(t).getTime()) ? "" : new Date(t).toISOString());
const fence = (text: string) => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
};

function entryMarkdown(e: TimelineEntry): string {
  const when = iso(e.time);
  switch (e.kind) {
    case "prompt":
      return `### User — ${when}\n\n${e.text ?? ""}`;
    case "text":
      return `### Assistant — ${when}\n\n${e.text ?? ""}`;
    case "reasoning":
      return `<details><summary>Reasoning — ${when}</summary>\n\n${e.text ?? ""}\n\n</details>`;
    case "tool": {
      const parts = [`#### Tool \`${e.tool ?? "?"}\` (${e.status ?? "?"})${e.title ? ` — ${e.title}` : ""}`];
      if (e.input) parts.push(`Input:\n\n${fence(e.input)}`);
      if (e.output) parts.push(`Output:\n\n${fence(e.output)}`);
      return parts.join("\n\n");
    }
    default:
      return `> **${e.kind}**${e.status ? ` (${e.status})` : ""}${e.title ? ` ${e.title}` : ""}${e.text ? ` — ${e.text.replace(/\n/g, " ")}` : ""} — ${when}`;
  }
}

export function sessionMarkdown(x: SessionExport): string {
  const s = x.session;
  const lines = [
    `# ${s.title || s.id}`,
    "",
    `- Session: \`${s.id}\`${s.parentId ? ` (subagent of \`${s.parentId}\`)` : ""}`,
    `- Host: ${s.hostname}`,
    `- Directory: \`${s.directory}\``,
    `- Model: ${s.providerId ?? "?"}/${s.modelId ?? "?"}${s.agent ? `, agent ${s.agent}` : ""}`,
    `- Created: ${iso(s.createdAt)}; last activity: ${iso(s.lastActivityAt)}`,
    `- Tokens: ${s.tokens.total} (input ${s.tokens.input}, output ${s.tokens.output}, reasoning ${s.tokens.reasoning}, cache read ${s.tokens.cacheRead}, cache write ${s.tokens.cacheWrite}); cost $${s.cost.toFixed(4)}`,
    ...(s.changes ? [`- Changes: ${s.changes.files} files, +${s.changes.additions} −${s.changes.deletions}`] : []),
    ...(x.children.length ? [`- Subagents: ${x.children.map((c) => `\`${c.id}\` ${c.title}`).join(", ")}`] : []),
    `- Exported: ${x.exportedAt}`,
    "",
    "## Timeline",
    "",
  ];
  return lines.join("\n") + "\n" + x.timeline.map(entryMarkdown).join("\n\n") + "\n";
}
