import type BetterSqlite3 from "better-sqlite3";
import { pruneQuietTombstones } from "./tombstones";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Sessions deleted per transaction: each transaction holds the write lock that ingest needs. */
const BATCH = 200;
const VACUUM_STEP_PAGES = 2048;
const EVENT_BATCH = 5000;

export type PruneResult = {
  cutoff: number;
  sessions: number;
  eventsSeen: number;
  instances: number;
  tombstones: number;
  freedPages: number;
  /** Ended early because the server is stopping. */
  stopped: boolean;
};

/**
 * Session trees (a root and its subagent sessions at any depth) whose latest activity is older
 * than the cutoff. A tree goes as a whole: a parent stays while any of its subagents is recent,
 * so nothing kept points at a pruned session. A session whose parent was never stored is a root.
 */
function expiredTrees(sqlite: BetterSqlite3.Database, cutoff: number): string[][] {
  const rows = sqlite
    .prepare(
      `WITH RECURSIVE tree (root, id) AS (
         SELECT id, id FROM sessions AS s
           WHERE parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM sessions AS p WHERE p.id = s.parent_id)
         UNION ALL
         SELECT tree.root, s.id FROM sessions AS s JOIN tree ON s.parent_id = tree.id
       ),
       expired AS (
         SELECT tree.root FROM tree JOIN sessions AS s ON s.id = tree.id
         GROUP BY tree.root HAVING max(s.last_activity_at) < ?
       )
       SELECT tree.root, tree.id FROM tree JOIN expired ON expired.root = tree.root`,
    )
    .all(cutoff) as { root: string; id: string }[];
  const trees = new Map<string, string[]>();
  for (const { root, id } of rows) trees.set(root, [...(trees.get(root) ?? []), id]);
  return [...trees.values()];
}

/**
 * Deletes what is older than the retention window: sessions by last activity, with every row
 * that hangs off them (ON DELETE CASCADE and the search triggers), event ids received before the
 * cutoff, hosts neither seen since nor holding a session, and tombstones quiet since (./tombstones.ts). Then gives the freed pages back to
 * the file system (the database is created with auto_vacuum = INCREMENTAL, see ../client.ts).
 * Runs in small transactions and yields between them, so ingest goes on while it works. Once
 * `signal` aborts (the server is stopping) it ends at the next of those steps, with what it has
 * done so far committed (`stopped` set); the next run takes up the rest.
 */
export async function pruneExpired(
  sqlite: BetterSqlite3.Database,
  retentionDays: number,
  options: { now?: number; onRemoved?: (sessionIds: string[]) => void; signal?: AbortSignal } = {},
): Promise<PruneResult> {
  const stopped = () => options.signal?.aborted === true;
  const cutoff = (options.now ?? Date.now()) - retentionDays * DAY_MS;
  const remove = sqlite.prepare("DELETE FROM sessions WHERE id = ?");
  // Events may arrive between the search and the delete: a tree that came back to life stays.
  const latest = sqlite
    .prepare("SELECT max(last_activity_at) FROM sessions WHERE id IN (SELECT value FROM json_each(?))")
    .pluck();
  const trees = expiredTrees(sqlite, cutoff);
  let sessions = 0;
  for (let next = 0; next < trees.length && !stopped();) {
    const removed: string[] = [];
    sqlite.transaction(() => {
      while (next < trees.length && removed.length < BATCH) {
        const tree = trees[next++];
        const last = latest.get(JSON.stringify(tree)) as number | null;
        if (last !== null && last >= cutoff) continue;
        for (const id of tree) remove.run(id);
        removed.push(...tree);
      }
    })();
    sessions += removed.length;
    if (removed.length > 0) options.onRemoved?.(removed);
    await new Promise((resolve) => setImmediate(resolve));
  }
  // A replayed event older than the window could now create its session again; plugins spool for
  // hours, not for the days a retention window spans.
  // No index on received_at (it would cost every ingested event); batches keep each scan short.
  const forgetEvents = sqlite.prepare(
    `DELETE FROM events_seen WHERE id IN (SELECT id FROM events_seen WHERE received_at < ? LIMIT ${EVENT_BATCH})`,
  );
  let eventsSeen = 0;
  for (let changes = -1; changes !== 0 && !stopped();) {
    changes = forgetEvents.run(cutoff).changes;
    eventsSeen += changes;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (stopped()) return { cutoff, sessions, eventsSeen, instances: 0, tombstones: 0, freedPages: 0, stopped: true };
  const instances = sqlite
    .prepare(
      "DELETE FROM instances WHERE last_seen < ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE sessions.hostname = instances.hostname)",
    )
    .run(cutoff).changes;
  const tombstones = pruneQuietTombstones(sqlite, cutoff);
  const freePages = () => sqlite.pragma("freelist_count", { simple: true }) as number;
  const free = freePages();
  // A no-op on a database without auto_vacuum; in steps, since each one holds the write lock.
  for (let left = free, last = -1; left > 0 && left !== last && !stopped(); last = left, left = freePages()) {
    sqlite.pragma(`incremental_vacuum(${VACUUM_STEP_PAGES})`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const freedPages = free - freePages();
  return { cutoff, sessions, eventsSeen, instances, tombstones, freedPages, stopped: stopped() };
}

export type RetentionSchedule = { stop(): Promise<void> };

/**
 * Prunes once shortly after start, then every interval; a run never overlaps the next. `stop`
 * aborts the run in progress (its signal) and waits for it: a large first prune takes many
 * seconds, and a stopping server must not wait for it (Docker kills it after its grace period).
 */
export function scheduleRetention(
  run: (signal: AbortSignal) => Promise<void>,
  intervalMs = 60 * 60 * 1000,
): RetentionSchedule {
  let current: Promise<void> = Promise.resolve();
  const stopping = new AbortController();
  const tick = () => {
    if (stopping.signal.aborted) return;
    current = run(stopping.signal);
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(() => void current.then(tick), intervalMs);
  timer.unref();
  return {
    async stop() {
      stopping.abort();
      clearTimeout(first);
      clearInterval(timer);
      await current;
    },
  };
}
