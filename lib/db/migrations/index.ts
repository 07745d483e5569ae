import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { statements as m001 } from "./001_initial";
import { statements as m002 } from "./002_api";
import { statements as m003 } from "./003_lighter_writes";
import { statements as m004 } from "./004_timeline_key_first";
import { statements as m005 } from "./005_control";
import { statements as m006 } from "./006_tombstones";
import { statements as m007 } from "./007_signed_out";

/**
 * Versioned migrations, one file each (NNN_name.ts), compiled with the server (no migration folder
 * to ship). Append only: a migration that has run on someone's database is never edited; a new one
 * follows it.
 */
const statements: Record<string, string[]> = {
  "001_initial": m001,
  "002_api": m002,
  "003_lighter_writes": m003,
  "004_timeline_key_first": m004,
  "005_control": m005,
  "006_tombstones": m006,
  "007_signed_out": m007,
};

function migration(list: string[]): Migration {
  return {
    // Kysely runs SQLite migrations outside a transaction; one per migration means a failure
    // (or a crash) part way through a table rebuild leaves the database as it was.
    // `db` is kysely's Kysely<any>: a migration must not depend on the schema of today's code.
    async up(db) {
      await sql.raw("BEGIN IMMEDIATE").execute(db);
      try {
        for (const statement of list) await sql.raw(statement).execute(db);
        await sql.raw("COMMIT").execute(db);
      } catch (error) {
        await sql.raw("ROLLBACK").execute(db);
        throw error;
      }
    },
  };
}

const provider: MigrationProvider = {
  async getMigrations() {
    return Object.fromEntries(Object.entries(statements).map(([name, list]) => [name, migration(list)]));
  },
};

/**
 * Applies pending migrations; returns the names it applied. Throws on the first failure. Any
 * schema's Kysely will do: migrations run raw SQL.
 */
export function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  return migrateTo(db);
}

/** Applies pending migrations up to and including `target` (default: all of them). */
export async function migrateTo<DB>(db: Kysely<DB>, target?: string): Promise<string[]> {
  await refuseNewerDatabase(db);
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await (target ? migrator.migrateTo(target) : migrator.migrateToLatest());
  const failed = results.find((r) => r.status === "Error");
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? "unknown error");
    throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${reason}`, { cause: error });
  }
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * A database that a newer release migrated holds migrations this one does not know; kysely calls
 * that "corrupted migrations", which reads as data loss. Say what it is and what to do instead.
 */
async function refuseNewerDatabase<DB>(db: Kysely<DB>) {
  const { rows } = await sql<{
    name: string;
  }>`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'kysely_migration'`.execute(db);
  if (rows.length === 0) return;
  const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
  const unknown = applied.rows.map((r) => r.name).filter((name) => !(name in statements));
  if (unknown.length > 0) {
    throw new Error(
      `this database was written by a newer version of OpenCode Dashboard (migration ${unknown.at(-1)}); upgrade the dashboard to open it`,
    );
  }
}
