import type { UsageRow } from "../analytics/queries";
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

const iso = (t: number | null) => (t === null ? "" : new Date(t).toISOString());
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

/**
 * Text a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`, or behind a tab or CR):
 * model ids and names come from remote machines, so such cells get a leading quote (OWASP's CSV
 * injection advice). Numbers are written by us and stay numbers, negative ones included.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180: quote a field when it holds a comma, quote or line break; double the quotes. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export const USAGE_CSV_HEADER = [
  "date",
  "provider",
  "model",
  "assistant_messages",
  "tokens_input",
  "tokens_output",
  "tokens_reasoning",
  "tokens_cache_read",
  "tokens_cache_write",
  "tokens_total",
  "cost_usd",
];

export function usageCsv(rows: UsageRow[]): string {
  const lines = [USAGE_CSV_HEADER.join(",")];
  for (const r of rows) {
    const t = r.tokens;
    lines.push(
      [
        r.date,
        r.providerId,
        r.modelId,
        r.messages,
        t.input,
        t.output,
        t.reasoning,
        t.cacheRead,
        t.cacheWrite,
        t.total,
        +r.cost.toFixed(6),
      ]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
