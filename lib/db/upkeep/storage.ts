import type BetterSqlite3 from "better-sqlite3";
import { statSync } from "node:fs";
import type { SessionStatus } from "../schema";

/** What the database occupies on disk: the main file and the write-ahead log beside it. */
export type DatabaseSize = { file: number; wal: number; total: number };

export type StorageReport = {
  path: string;
  bytes: DatabaseSize;
  pageSize: number;
  pages: number;
  /** Pages that pruning freed and the next incremental vacuum gives back to the file system. */
  freePages: number;
  autoVacuum: "none" | "full" | "incremental";
  /** Rows per table, FTS5 internals left out. */
  tables: Record<string, number>;
};

const sizeOf = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0; // no WAL between a clean shutdown and the next write
  }
};

export function databaseSize(file: string): DatabaseSize {
  const main = sizeOf(file);
  const wal = sizeOf(`${file}-wal`);
  return { file: main, wal, total: main + wal };
}

/** Ordinary tables only: `PRAGMA table_list` names FTS5's own tables "shadow" and the index "virtual". */
function tableNames(sqlite: BetterSqlite3.Database): string[] {
  const rows = sqlite
    .prepare(
      "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all();
  return rows as string[];
}

function tableCounts(sqlite: BetterSqlite3.Database): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of tableNames(sqlite)) {
    counts[name] = sqlite
      .prepare(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`)
      .pluck()
      .get() as number;
  }
  return counts;
}

const AUTO_VACUUM = ["none", "full", "incremental"] as const;

export function storageReport(sqlite: BetterSqlite3.Database, file: string): StorageReport {
  const pragma = (name: string) => sqlite.pragma(name, { simple: true }) as number;
  return {
    path: file,
    bytes: databaseSize(file),
    pageSize: pragma("page_size"),
    pages: pragma("page_count"),
    freePages: pragma("freelist_count"),
    autoVacuum: AUTO_VACUUM[pragma("auto_vacuum")] ?? "none",
    tables: tableCounts(sqlite),
  };
}

const STATUSES: SessionStatus[] = ["busy", "idle", "retry", "error"];

/** Sessions per status (deleted ones left out), every status present even at zero. */
export function sessionsByStatus(sqlite: BetterSqlite3.Database): Record<SessionStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<SessionStatus, number>;
  const rows = sqlite
    .prepare("SELECT status, count(*) AS n FROM sessions WHERE deleted_at IS NULL GROUP BY status")
    .all() as { status: SessionStatus; n: number }[];
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
