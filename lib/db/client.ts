import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { explainOpenFailure } from "./open-failure";
import type { Database } from "./schema";

export type Db = {
  /** Typed query builder: every read goes through it. */
  kysely: Kysely<Database>;
  /** The connection under it, for the ingest path's prepared statements and backups. */
  sqlite: BetterSqlite3.Database;
  path: string;
};

/**
 * Opens (or creates) the database and checks, before anything is written to it, that it is a
 * readable SQLite database this process can write: otherwise the server would start and then fail
 * every write, or change a file it should have left alone. Throws a DatabaseOpenError that says
 * what is wrong and what to do.
 */
export function openDatabase(file: string): Db {
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    sqlite = new BetterSqlite3(file);
    sqlite.pragma("busy_timeout = 5000");
    // Reading the schema is what finds a file that is no database, or a damaged one.
    sqlite.prepare("SELECT count(*) FROM sqlite_schema").get();
    const db = configure(sqlite, file);
    // SQLite opens a file it may not write read-only without a word, and in WAL mode the settings
    // above can pass: the first write would fail.
    probeWrite(sqlite);
    return db;
  } catch (error) {
    sqlite?.close();
    throw explainOpenFailure(file, error);
  }
}

/**
 * A write, rolled back. BEGIN IMMEDIATE alone is not enough: in WAL mode it succeeds on a file
 * opened read-only when the -wal file beside it is writable. Another process writing just now is
 * no problem.
 */
function probeWrite(sqlite: BetterSqlite3.Database) {
  const version = sqlite.pragma("user_version", { simple: true }) as number;
  try {
    sqlite.exec(`BEGIN IMMEDIATE; PRAGMA user_version = ${version}; ROLLBACK`);
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    if (!String((error as { code?: unknown }).code).startsWith("SQLITE_BUSY")) throw error;
  }
}

function configure(sqlite: BetterSqlite3.Database, file: string): Db {
  // Retention (./upkeep/retention.ts) frees pages; INCREMENTAL lets it give them back to the file system.
  // The mode is fixed when the first table is created, so a database made before this setting is
  // converted once, with a VACUUM (a full copy: quick for the small databases of that time).
  if (sqlite.pragma("auto_vacuum", { simple: true }) !== 2) {
    sqlite.pragma("auto_vacuum = INCREMENTAL");
    if (sqlite.prepare("SELECT 1 FROM sqlite_schema LIMIT 1").get()) sqlite.exec("VACUUM");
  }
  sqlite.pragma("journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the
  // last commits, which is the usual trade for a write-heavy dashboard.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("cache_size = -32000");
  sqlite.pragma("temp_store = MEMORY");
  // The checkpoint worker (./upkeep/checkpointer.ts) normally keeps the WAL short; this is the fallback.
  sqlite.pragma("wal_autocheckpoint = 20000");
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { kysely, sqlite, path: file };
}

const OPTIMIZE_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * Keeps the query planner's statistics current (PRAGMA optimize analyses only the tables that
 * need it, within a bounded effort): without them SQLite guesses, and several analytics and
 * search queries pick worse indexes. At start, then every few hours.
 */
export function startOptimizer(db: Db, onError: (error: unknown) => void): () => void {
  const run = (flags: string) => {
    try {
      if (db.sqlite.open) db.sqlite.pragma(`optimize${flags}`);
    } catch (error) {
      onError(error);
    }
  };
  run("=0x10002");
  const timer = setInterval(() => run(""), OPTIMIZE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export async function closeDb(db: Db) {
  await db.kysely.destroy();
  if (db.sqlite.open) db.sqlite.close();
}
