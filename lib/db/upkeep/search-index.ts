import type BetterSqlite3 from "better-sqlite3";

/**
 * Keeps timeline_search (prompt and assistant text, migration 002_api) up to date from the rows
 * that migration 003's triggers queue as they change. Indexing a thousand rows in one
 * transaction costs FTS5 one segment instead of one per ingest commit.
 */

/** Rows indexed per transaction, so that catching up never holds the event loop for long. */
const CHUNK = 5000;

const statementsFor = new WeakMap<BetterSqlite3.Database, ReturnType<typeof prepare>>();

function prepare(sqlite: BetterSqlite3.Database) {
  const queued = sqlite.prepare("SELECT id, indexed FROM search_queue ORDER BY id LIMIT ?");
  const row = sqlite.prepare("SELECT kind, text, session_id FROM timeline WHERE id = ?");
  const unindex = sqlite.prepare("DELETE FROM timeline_search WHERE rowid = ?");
  const index = sqlite.prepare("INSERT INTO timeline_search (rowid, text, session_id) VALUES (?, ?, ?)");
  const dequeue = sqlite.prepare("DELETE FROM search_queue WHERE id <= ?");
  const pending = sqlite.prepare("SELECT EXISTS (SELECT 1 FROM search_queue)").pluck();
  const chunk = sqlite.transaction(() => {
    const ids = queued.all(CHUNK) as { id: number; indexed: number }[];
    if (ids.length === 0) return 0;
    for (const { id, indexed } of ids) {
      if (indexed) unindex.run(id);
      const entry = row.get(id) as { kind: string; text: string | null; session_id: string } | undefined;
      if (entry && (entry.kind === "prompt" || entry.kind === "text") && entry.text !== null)
        index.run(id, entry.text, entry.session_id);
    }
    dequeue.run(ids[ids.length - 1].id);
    return ids.length;
  });
  return { chunk, pending };
}

function statements(sqlite: BetterSqlite3.Database) {
  let prepared = statementsFor.get(sqlite);
  if (!prepared) {
    prepared = prepare(sqlite);
    statementsFor.set(sqlite, prepared);
  }
  return prepared;
}

/** Indexes everything queued (a search calls this first); returns how many rows it indexed. */
export function catchUpSearch(sqlite: BetterSqlite3.Database): number {
  const { chunk, pending } = statements(sqlite);
  // The common case on a search: nothing queued, and no write transaction to open.
  if (!pending.get()) return 0;
  let total = 0;
  for (let n = CHUNK; n === CHUNK; total += n) n = chunk();
  return total;
}

/**
 * What stopping spends on the queue. A large one (after a bulk import, or a start that was
 * stopped at once) takes many seconds, and a stopping server has 5 s in all; what is left stays
 * in search_queue, and the next start indexes it.
 */
const STOP_BUDGET_MS = 500;

/**
 * Catches up at start, then every `intervalMs` in the background, a chunk per turn of the event
 * loop so that requests are served in between. Returns the function that stops it, which indexes
 * what is queued for up to `stopBudgetMs` first.
 */
export function startSearchIndexer(
  sqlite: BetterSqlite3.Database,
  onError: (error: unknown) => void,
  intervalMs = 1000,
  stopBudgetMs = STOP_BUDGET_MS,
): () => void {
  let stopped = false;
  const run = () => {
    if (stopped || !sqlite.open) return;
    try {
      if (statements(sqlite).chunk() === CHUNK) setImmediate(run);
    } catch (error) {
      onError(error);
    }
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    try {
      const until = Date.now() + stopBudgetMs;
      while (sqlite.open && Date.now() < until && statements(sqlite).chunk() === CHUNK);
    } catch (error) {
      onError(error);
    }
  };
}
