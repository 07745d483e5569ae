import {
  isBlocked,
  isFailed,
  isHostOffline,
  isReady,
  isWorking,
  SESSION_FILTERS,
  type SessionState,
  staleReason,
} from "@/lib/sessions/active";
import type { HostClock } from "@/lib/instances/item";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { splitError } from "@/lib/sessions/blocking-context";
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
export function pinBlocked(rows: SessionListItem[], offlineHosts: ReadonlySet<string> = new Set()) {
  // A stale row (an offline host's, a deleted one) cannot be answered now: it stays in its group.
  const pinned = (row: SessionListItem) => isBlocked(row) && rowStale(row, offlineHosts) === null;
  const blocked = rows.filter(pinned).sort((a, b) => (a.attention?.since ?? 0) - (b.attention?.since ?? 0));
  return { blocked, rest: rows.filter((row) => !pinned(row)) };
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

/** Rows that are stale (lib/sessions/active.ts) count in no group's working or finished. */
export function groupRows(
  rows: SessionListItem[],
  group: BoardView["group"],
  offlineHosts: ReadonlySet<string> = new Set(),
): Group[] {
  const roots = nest(rows).sort((a, b) => latest(b) - latest(a));
  const summarise = (key: string, label: string, nodes: RowNode[]) => summariseGroup(key, label, nodes, offlineHosts);
  if (group === "flat") return [summarise("all", "All sessions", roots)];
  const groups = new Map<string, RowNode[]>();
  for (const node of roots) {
    const key = group === "host" ? node.row.hostname : node.row.directory;
    groups.set(key, [...(groups.get(key) ?? []), node]);
  }
  return [...groups.entries()].map(([key, nodes]) => summarise(key, key || "(no directory)", nodes));
}

function summariseGroup(key: string, label: string, nodes: RowNode[], offlineHosts: ReadonlySet<string>): Group {
  let finished = 0;
  let working = 0;
  const walk = (n: RowNode) => {
    const counted = rowStale(n.row, offlineHosts) === null;
    if (counted && isReady(n.row)) finished++;
    if (counted && isWorking(n.row)) working++;
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
  return {
    id: row.id,
    hostname: row.hostname,
    status: row.status,
    attention: row.attention?.reason ?? null,
  };
}

/** The hosts offline at `now` (lib/sessions/active.ts), judged from their clocks. */
export function offlineHostsAt(clocks: Iterable<HostClock>, now: number): Set<string> {
  const offline = new Set<string>();
  for (const c of clocks) if (isHostOffline(c.offlineAt, now)) offline.add(c.hostname);
  return offline;
}

/** Why a row is stale, if it is: deleted in OpenCode, or on a host that is offline. */
export function rowStale(row: Pick<SessionListItem, "deletedAt" | "hostname">, offlineHosts: ReadonlySet<string>) {
  return staleReason(row, offlineHosts.has(row.hostname));
}

/** The states the counters count: those of sessions on hosts that are not offline (deleted ones never get here). */
export function countedStates(states: Map<string, SessionState>, offlineHosts: ReadonlySet<string>) {
  if (offlineHosts.size === 0) return states;
  return new Map([...states].filter(([, s]) => !offlineHosts.has(s.hostname)));
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
      // Only the headline: the stack trace under it is behind "details" (blocking-context.tsx).
      return `Error: ${splitError(a.detail).headline || "unknown error"}`;
  }
}
