import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openDatabase } from "../../lib/db/client";
import { createIngestStore } from "../../lib/ingest/store";
import { migrateTo, migrateToLatest } from "../../lib/db/migrations";
import { catchUpSearch } from "../../lib/db/upkeep/search-index";
import { simpleEntry } from "../../lib/ingest/rules/timeline-entry";

const open = () => openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "ocd-migrate-")), "database.db"));

/** A database as 003 left it, with indexed, queued and tool rows in two sessions. */
async function at003() {
  const db = open();
  await migrateTo(db.kysely, "003_lighter_writes");
  const insert = db.sqlite.prepare(
    `INSERT INTO timeline (session_id, key, kind, message_id, time, text, output, updated_at) VALUES (?, ?, ?, 'msg_1', ?, ?, ?, 1)`,
  );
  for (const s of ["ses_a", "ses_b"]) {
    db.sqlite
      .prepare("INSERT INTO sessions (id, hostname, created_at, updated_at, last_activity_at) VALUES (?, 'h', 1, 1, 1)")
      .run(s);
    insert.run(s, "prt_text", "text", 2, `indexed words ${s}`, null);
    insert.run(s, "prt_tool", "tool", 3, null, "tool output");
  }
  catchUpSearch(db.sqlite);
  insert.run("ses_a", "prt_late", "prompt", 4, "queued prompt", null);
  return db;
}

const rows = (db: ReturnType<typeof open>) => db.sqlite.prepare("SELECT * FROM timeline ORDER BY id").all();
const found = (db: ReturnType<typeof open>, word: string) => {
  catchUpSearch(db.sqlite);
  return db.sqlite
    .prepare("SELECT rowid FROM timeline_search WHERE timeline_search MATCH ? ORDER BY rowid")
    .pluck()
    .all(`"${word}"`);
};

test("004 rebuilds the timeline keyed key-first and keeps rows, ids, search and its queue", async () => {
  const db = await at003();
  const before = rows(db);
  assert.deepEqual(await migrateTo(db.kysely, "004_timeline_key_first"), ["004_timeline_key_first"]);
  assert.deepEqual(rows(db), before, "every row and id kept");

  const unique = db.sqlite
    .prepare("SELECT name FROM pragma_index_list('timeline') WHERE \"unique\" = 1")
    .pluck()
    .all() as string[];
  assert.equal(unique.length, 1);
  assert.deepEqual(db.sqlite.prepare("SELECT name FROM pragma_index_info(?) ORDER BY seqno").pluck().all(unique[0]), [
    "key",
    "session_id",
  ]);
  assert.deepEqual(
    db.sqlite
      .prepare(
        "SELECT name FROM sqlite_schema WHERE tbl_name = 'timeline' AND type = 'index' AND sql IS NOT NULL ORDER BY name",
      )
      .pluck()
      .all(),
    ["timeline_by_session_time", "timeline_text_by_message"],
  );
  assert.equal(db.sqlite.prepare("PRAGMA foreign_key_check").all().length, 0);

  // Text indexed before, and text only queued before, are both found; new writes are queued.
  assert.equal(found(db, "indexed").length, 2);
  assert.equal(found(db, "queued").length, 1);
  // Today's store prepares statements for today's schema: bring the rest of the way first.
  await migrateToLatest(db.kysely);
  const store = createIngestStore(db.sqlite);
  store.upsertTimelineQuiet(
    { ...simpleEntry("ses_a", "prt_text", "text", 2), message_id: "msg_1", text: "rewritten" },
    5,
  );
  store.upsertTimelineQuiet(
    { ...simpleEntry("ses_b", "prt_new", "text", 6), message_id: "msg_1", text: "brand new" },
    6,
  );
  assert.equal(rows(db).length, before.length + 1, "the upsert found its row by (session, key)");
  assert.equal(found(db, "indexed").length, 1, "the rewritten row left the index");
  assert.equal(found(db, "rewritten").length, 1);
  assert.equal(found(db, "brand").length, 1);

  // The session delete cascade still reaches timeline rows and their search entries.
  db.sqlite.prepare("DELETE FROM sessions WHERE id = 'ses_a'").run();
  assert.deepEqual(found(db, "rewritten"), []);
  assert.ok((rows(db) as { session_id: string }[]).every((r) => r.session_id === "ses_b"));
});

test("a migration that fails part way leaves the database as it was", async () => {
  const db = await at003();
  const before = rows(db);
  // A leftover table makes 004 fail after it has dropped the search triggers.
  db.sqlite.exec("CREATE TABLE timeline_new (x)");
  await assert.rejects(
    migrateTo(db.kysely, "004_timeline_key_first"),
    /004_timeline_key_first failed: .*timeline_new already exists/,
  );
  assert.deepEqual(rows(db), before);
  const triggers = db.sqlite
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'timeline' ORDER BY name")
    .pluck()
    .all();
  assert.deepEqual(triggers, ["timeline_search_delete", "timeline_search_insert", "timeline_search_update"]);

  db.sqlite.exec("DROP TABLE timeline_new");
  assert.deepEqual(
    await migrateTo(db.kysely, "004_timeline_key_first"),
    ["004_timeline_key_first"],
    "and can be retried",
  );
  assert.deepEqual(rows(db), before);
});

test("a database from a newer version is refused with a message that says so, and left as it was", async () => {
  const db = open();
  await migrateToLatest(db.kysely);
  db.sqlite
    .prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('999_from_the_future', '2030-01-01')")
    .run();
  const before = db.sqlite.prepare("SELECT name FROM kysely_migration ORDER BY name").pluck().all();
  await assert.rejects(migrateToLatest(db.kysely), {
    message:
      "this database was written by a newer version of OpenCode Dashboard (migration 999_from_the_future); upgrade the dashboard to open it",
  });
  assert.deepEqual(db.sqlite.prepare("SELECT name FROM kysely_migration ORDER BY name").pluck().all(), before);
});
