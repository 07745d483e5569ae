import { isBlocked, isFailed, isReady, isWorking, SESSION_FILTERS, type SessionState } from "@/lib/sessions/active";
import type { SessionListItem } from "@/lib/sessions/list-item";
import type { BoardView } from "@/lib/sessions/views";

/** Pure board logic: which rows show, in which groups, nested how, and the counters. */

export function matchesView(row: SessionListItem, view: BoardView) {
  if (view.host && row.hostname !== view.host) return false;
  return !view.status || SESSION_FILTERS[view.status].is(row);
}

export type RowNode = { row: SessionListItem; children: RowNode[] };
export type Group = { key: string; label: string; nodes: RowNode[]; finished: number; working: number };

/**
 * Blocked sessions, pinned above the groups longest waiting first, and the rest for the groups:
 * a row shows in one place only.
 */
export function pinBlocked(rows: SessionListItem[]) {
  const blocked = rows.filter(isBlocked).sort((a, b) => (a.attention?.since ?? 0) - (b.attention?.since ?? 0));
  return { blocked, rest: rows.filter((row) => !isBlocked(row)) };
}

const byActivity = (a: SessionListItem, b: SessionListItem) =>
  b.lastActivityAt - a.lastActivityAt || (a.id < b.id ? 1 : -1);

/** Subagent sessions under their parent (when the parent is listed), newest activity first. */
function nest(rows: SessionListItem[]): RowNode[] {
  const nodes = new Map(rows.map((row) => [row.id, { row, children: [] as RowNode[] }]));
  const roots: RowNode[] = [];
  for (const node of [...nodes.values()].sort((a, b) => byActivity(a.row, b.row))) {
    const parent = node.row.parentId ? nodes.get(node.row.parentId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function latest(node: RowNode): number {
  return Math.max(node.row.lastActivityAt, ...node.children.map(latest));
}

export function groupRows(rows: SessionListItem[], group: BoardView["group"]): Group[] {
  const roots = nest(rows).sort((a, b) => latest(b) - latest(a));
  if (group === "flat") return [summarise("all", "All sessions", roots)];
  const groups = new Map<string, RowNode[]>();
  for (const node of roots) {
    const key = group === "host" ? node.row.hostname : node.row.directory;
    groups.set(key, [...(groups.get(key) ?? []), node]);
  }
  return [...groups.entries()].map(([key, nodes]) => summarise(key, key || "(no directory)", nodes));
}

function summarise(key: string, label: string, nodes: RowNode[]): Group {
  let finished = 0;
  let working = 0;
  const walk = (n: RowNode) => {
    if (isReady(n.row)) finished++;
    if (isWorking(n.row)) working++;
    n.children.forEach(walk);
  };
  nodes.forEach(walk);
  return { key, label, nodes, finished, working };
}

export type Counters = { working: number; blocked: number; finished: number; errors: number };

export function countStates(states: Map<string, SessionState>): Counters {
  const counters = { working: 0, blocked: 0, finished: 0, errors: 0 };
  for (const s of states.values()) {
    if (isWorking(s)) counters.working++;
    if (isBlocked(s)) counters.blocked++;
    if (isReady(s)) counters.finished++;
    if (isFailed(s)) counters.errors++;
  }
  return counters;
}

export function stateOf(row: SessionListItem): SessionState {
  return { id: row.id, status: row.status, attention: row.attention?.reason ?? null };
}

/** What a waiting session is waiting for, in words. */
export function attentionText(row: Pick<SessionListItem, "attention">) {
  const a = row.attention;
  if (!a) return null;
  switch (a.reason) {
    case "permission":
      return `Needs permission — ${a.detail ?? ""}`.trim();
    case "question":
      return `Asks: ${a.detail ?? "a question"}`;
    case "idle":
      return "Finished — waiting for your next prompt";
    case "error":
      return `Error: ${a.detail ?? "unknown error"}`;
  }
}
