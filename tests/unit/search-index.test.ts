import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openDatabase } from "../../lib/db/client";
import { createIngestStore } from "../../lib/ingest/store";
import { migrateToLatest } from "../../lib/db/migrations";
import { catchUpSearch, startSearchIndexer } from "../../lib/db/upkeep/search-index";
import { Progress } from "../../lib/ingest/progress";
import { simpleEntry } from "../../lib/ingest/rules/timeline-entry";

async function fresh() {
  const db = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "ocd-search-")), "database.db"));
  await migrateToLatest(db.kysely);
  const store = createIngestStore(db.sqlite);
  store.insertSession({ id: "ses_s", hostname: "h", directory: "/w", time: 1, now: 1 });
  const write = (
    key: string,
    kind: "text" | "prompt" | "tool",
    text: string | null,
    progress: Progress = Progress.done,
  ) => store.upsertTimelineQuiet({ ...simpleEntry("ses_s", key, kind, 1), message_id: "msg_s", text, progress }, 1);
  const found = (word: string) =>
    db.sqlite
      .prepare(`SELECT rowid FROM timeline_search WHERE timeline_search MATCH ? ORDER BY rowid`)
      .pluck()
      .all(`"${word}"`) as number[];
  const idOf = (key: string) => db.sqlite.prepare("SELECT id FROM timeline WHERE key = ?").pluck().get(key) as number;
  const queued = () => db.sqlite.prepare("SELECT count(*) FROM search_queue").pluck().get() as number;
  return { db, store, write, found, idOf, queued };
}

test("stored text waits in the queue and is indexed in bulk; changes and removals follow", async () => {
  const { db, write, found, idOf, queued } = await fresh();
  write("prt_a", "text", "alpha words");
  write("prt_b", "prompt", "bravo please");
  write("prt_t", "tool", null);
  assert.equal(queued(), 2, "only prompt and assistant text is queued");
  assert.deepEqual(found("alpha"), [], "not indexed on the ingest path");

  assert.equal(catchUpSearch(db.sqlite), 2);
  assert.equal(queued(), 0);
  assert.deepEqual(found("alpha"), [idOf("prt_a")]);
  assert.deepEqual(found("bravo"), [idOf("prt_b")]);
  assert.equal(catchUpSearch(db.sqlite), 0, "nothing left to do");

  // A streaming part grows: the new text replaces the old in the index.
  write("prt_a", "text", "alpha words and charlie");
  write("prt_a", "text", "delta only");
  assert.equal(queued(), 1, "one queue entry per row, however often it changed");
  catchUpSearch(db.sqlite);
  assert.deepEqual(found("alpha"), []);
  assert.deepEqual(found("delta"), [idOf("prt_a")]);

  // A user text part promoted to a prompt stays found; a removed one is gone at once.
  db.sqlite.prepare("UPDATE timeline SET kind = 'prompt' WHERE key = 'prt_a'").run();
  catchUpSearch(db.sqlite);
  assert.deepEqual(found("delta"), [idOf("prt_a")]);
  db.sqlite.prepare("DELETE FROM timeline WHERE key = 'prt_b'").run();
  assert.deepEqual(found("bravo"), []);

  // Removed before it was ever indexed: nothing is left queued for it.
  write("prt_c", "text", "echo");
  db.sqlite.prepare("DELETE FROM timeline WHERE key = 'prt_c'").run();
  assert.equal(queued(), 0);
});

test("the background indexer catches up at start and leaves nothing queued when stopped", async () => {
  const { db, write, found, idOf, queued } = await fresh();
  write("prt_a", "text", "foxtrot");
  const errors: unknown[] = [];
  const stop = startSearchIndexer(db.sqlite, (e) => errors.push(e), 60_000);
  assert.deepEqual(found("foxtrot"), [idOf("prt_a")], "indexed at start");
  write("prt_b", "text", "golf");
  assert.equal(queued(), 1);
  stop();
  assert.equal(queued(), 0);
  assert.deepEqual(found("golf"), [idOf("prt_b")]);
  assert.deepEqual(errors, []);
});

test("stopping takes a bounded effort on a long queue: the rest stays queued and the next start indexes it", async () => {
  const { db, write, found, idOf, queued } = await fresh();
  const stopAtOnce = startSearchIndexer(db.sqlite, () => {}, 60_000, 0);
  write("prt_late", "text", "hotel");
  assert.equal(queued(), 1);
  stopAtOnce(); // no budget left: nothing indexed while stopping
  assert.equal(queued(), 1, "left queued, not dropped");
  const stop = startSearchIndexer(db.sqlite, () => {}, 60_000);
  assert.equal(queued(), 0);
  assert.deepEqual(found("hotel"), [idOf("prt_late")]);
  stop();
});
