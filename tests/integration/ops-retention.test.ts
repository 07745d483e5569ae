import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { loadStream, postEvents, type WireEvent } from "../support/client";
import { startServer } from "../support/server";

const DAY = 24 * 60 * 60 * 1000;
const FIXTURE_SESSION = "ses_df550c68bffeTpR8dpuyGfV7RN";

/** The captured stream (messages, tool parts, a pending permission) as a session of our own, plus its todos. */
function sessionEvents(sessionId: string, opts: { time: number; hostname: string; parentId?: string }): WireEvent[] {
  const events = loadStream("serve-bash-permission-pending.jsonl", {
    hostname: opts.hostname,
    startTime: opts.time,
  }).map((e) => {
    const copy = JSON.parse(
      JSON.stringify(e)
        .replaceAll(FIXTURE_SESSION, sessionId)
        .replace(/"(evt|msg|prt|per)_/g, `"$1_${sessionId}_`),
    ) as WireEvent;
    const info = (copy.properties as { info?: Record<string, unknown> }).info;
    if (opts.parentId && copy.type.startsWith("session.") && info) info.parentID = opts.parentId;
    return copy;
  });
  const last = events.at(-1)!.time;
  events.push({
    id: `evt_${sessionId}_todo`,
    type: "todo.updated",
    hostname: opts.hostname,
    directory: "/home/dev/webapp",
    time: last,
    properties: { sessionID: sessionId, todos: [{ content: "check", status: "pending" }] },
  });
  return events;
}

type Snapshot = Record<string, Record<string, unknown>[]>;

function snapshot(file: string): Snapshot {
  const db = new Database(file, { readonly: true });
  const tables = db
    .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  const result = Object.fromEntries(
    tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all() as Record<string, unknown>[]]),
  );
  db.close();
  return result;
}

test("retention prunes exactly the expired session trees, old event ids and abandoned hosts, and nothing else", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-retention-"));
  const now = Date.now();
  const old = now - 40 * DAY;
  const recent = now - 1 * DAY;
  const sessions = {
    oldRoot: sessionEvents("ses_oldroot", { time: old, hostname: "old-host" }),
    oldChild: sessionEvents("ses_oldchild", { time: old + 1000, hostname: "old-host", parentId: "ses_oldroot" }),
    orphan: sessionEvents("ses_orphan", { time: old, hostname: "old-host", parentId: "ses_never_stored" }),
    // An old parent whose subagent is recent stays, with the subagent.
    mixedRoot: sessionEvents("ses_mixedroot", { time: old, hostname: "mixed-host" }),
    mixedChild: sessionEvents("ses_mixedchild", { time: recent, hostname: "mixed-host", parentId: "ses_mixedroot" }),
    recent: sessionEvents("ses_recent", { time: recent, hostname: "recent-host" }),
  };
  const expired = new Set(["ses_oldroot", "ses_oldchild", "ses_orphan"]);
  const oldEventIds = [...sessions.oldRoot, ...sessions.mixedRoot].map((e) => e.id);

  let server = await startServer({ dataDir: dir });
  try {
    for (const events of Object.values(sessions)) {
      const res = await postEvents(server, { events });
      assert.equal(res.status, 202, res.text);
    }
  } finally {
    await server.stop();
  }

  // The passage of time: these event ids and hosts were last seen 40 days ago.
  const db = new Database(server.databasePath);
  const markOld = db.prepare("UPDATE events_seen SET received_at = ? WHERE id = ?");
  for (const id of oldEventIds) markOld.run(old, id);
  db.prepare("UPDATE instances SET last_seen = ? WHERE hostname IN ('old-host', 'mixed-host')").run(old);
  db.close();

  const before = snapshot(server.databasePath);
  for (const table of [
    "sessions",
    "messages",
    "timeline",
    "pending_requests",
    "todos",
    "events_seen",
    "instances",
    "session_search_ids",
  ]) {
    assert.ok(before[table]?.length > 0, `the fixture fills ${table}`);
  }
  for (const table of ["messages", "timeline", "pending_requests", "todos"]) {
    assert.ok(
      before[table].some((r) => expired.has(r.session_id as string)) &&
        before[table].some((r) => !expired.has(r.session_id as string)),
      `${table} has rows on both sides`,
    );
  }

  server = await startServer({ dataDir: dir, env: { RETENTION_DAYS: "30" } });
  try {
    const deadline = Date.now() + 10_000;
    while (!/retention: pruned/.test(server.output()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.match(server.output(), /retention: pruned 3 session\(s\), \d+ event id\(s\), 1 host\(s\)/);
  } finally {
    await server.dispose();
  }

  const after = snapshot(server.databasePath);
  const sessionIdOf = (table: string, row: Record<string, unknown>) =>
    table === "sessions" ? (row.id as string) : (row.session_id as string | undefined);
  const gone = (table: string, row: Record<string, unknown>) => {
    const sessionId = sessionIdOf(table, row);
    if (sessionId !== undefined) return expired.has(sessionId);
    if (table === "events_seen") return (row.received_at as number) < now - 30 * DAY;
    if (table === "instances") return row.hostname === "old-host";
    return false;
  };
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  for (const table of Object.keys(before)) {
    const expected = before[table].filter((row) => !gone(table, row));
    assert.deepEqual(after[table], expected, `${table}: exactly the expired rows are gone`);
    if (["sessions", "events_seen", "instances", "messages", "timeline"].includes(table)) {
      assert.ok(expected.length < before[table].length, `${table}: something was pruned`);
    }
  }
  assert.deepEqual(after.sessions.map((s) => s.id).sort(), ["ses_mixedchild", "ses_mixedroot", "ses_recent"]);

  const check = new Database(server.databasePath, { readonly: true });
  assert.equal(check.pragma("auto_vacuum", { simple: true }), 2, "new databases use incremental auto-vacuum");
  assert.equal(check.pragma("freelist_count", { simple: true }), 0, "pruning gave the freed pages back");
  // The search index followed the deletes.
  const indexed = check
    .prepare("SELECT count(*) FROM timeline_search WHERE timeline_search MATCH 'write'")
    .pluck()
    .get() as number;
  const expectedIndexed = check
    .prepare("SELECT count(*) FROM timeline WHERE kind IN ('prompt', 'text') AND text LIKE '%write%'")
    .pluck()
    .get() as number;
  assert.equal(indexed, expectedIndexed);
  check.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a database created before incremental auto-vacuum is converted once at start, keeping its rows", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-vacuum-"));
  const file = path.join(dir, "database.db");
  const legacy = new Database(file);
  legacy.pragma("journal_mode = WAL");
  legacy.exec("CREATE TABLE legacy_rows (x INTEGER); INSERT INTO legacy_rows VALUES (1), (2), (3)");
  assert.equal(legacy.pragma("auto_vacuum", { simple: true }), 0);
  legacy.close();

  const server = await startServer({ dataDir: dir });
  try {
    const health = await fetch(`${server.url}/health`).then((r) => r.json());
    assert.equal(health.status, "ok");
  } finally {
    await server.dispose();
  }
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma("auto_vacuum", { simple: true }), 2);
  assert.equal(db.prepare("SELECT count(*) FROM legacy_rows").pluck().get(), 3);
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test("pruning a large history (5,000 sessions, 70 MB) deletes it and gives the pages back to the file system", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-retention-big-"));
  let server = await startServer({ dataDir: dir });
  await server.stop();
  const now = Date.now();
  const old = now - 90 * DAY;
  const db = new Database(server.databasePath);
  const addSession = db.prepare(
    "INSERT INTO sessions (id, hostname, directory, title, created_at, updated_at, last_activity_at) VALUES (?, 'big-host', '/srv/big', ?, ?, ?, ?)",
  );
  const addMessage = db.prepare(
    "INSERT INTO messages (id, session_id, role, created_at) VALUES (?, ?, 'assistant', ?)",
  );
  const addEntry = db.prepare(
    "INSERT INTO timeline (session_id, key, kind, time, text, output, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const addEvent = db.prepare("INSERT INTO events_seen (id, received_at) VALUES (?, ?)");
  const text = "lorem ipsum dolor sit amet ".repeat(40);
  db.transaction(() => {
    for (let i = 0; i < 5000; i++) {
      const id = `ses_big${i}`;
      const at = i < 4900 ? old : now;
      addSession.run(id, `session ${i}`, at, at, at);
      addMessage.run(`msg_big${i}`, id, at);
      for (let k = 0; k < 6; k++)
        addEntry.run(id, `part${k}`, k % 2 ? "text" : "tool", at + k, text, k % 2 ? null : text, at);
      addEvent.run(`evt_big${i}`, at);
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const sizeBefore = (await import("node:fs")).statSync(server.databasePath).size;

  server = await startServer({ dataDir: dir, env: { RETENTION_DAYS: "30" } });
  try {
    const deadline = Date.now() + 60_000;
    while (!/retention: pruned/.test(server.output())) {
      assert.ok(Date.now() < deadline, `no retention run within 60 s:\n${server.output()}`);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
    }
    assert.match(server.output(), /retention: pruned 4900 session\(s\), 4900 event id\(s\), 0 host\(s\)/);
    const storage = await fetch(`${server.url}/api/admin/storage`, { headers: { "x-api-key": server.password } }).then(
      (r) => r.json(),
    );
    assert.equal(storage.tables.sessions, 100);
    assert.equal(storage.tables.timeline, 600);
    assert.equal(storage.freePages, 0);
  } finally {
    await server.dispose();
  }
  const sizeAfter = (await import("node:fs")).statSync(server.databasePath).size;
  assert.ok(sizeAfter < sizeBefore / 4, `the file shrank: ${sizeBefore} → ${sizeAfter} bytes`);
  rmSync(dir, { recursive: true, force: true });
});

test("SIGTERM while a large first prune runs: the server stops within 5 s, and the next start prunes the rest", async () => {
  // Enough expired history that pruning it takes several times the 5 s a stop may take.
  const SESSIONS = 60_000;
  const KEPT = 10;
  const STOP_WITHIN_MS = 5_000;
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-retention-stop-"));
  let server = await startServer({ dataDir: dir });
  await server.stop();
  const old = Date.now() - 90 * DAY;
  const db = new Database(server.databasePath);
  db.exec(`
    WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${SESSIONS + KEPT - 1})
    INSERT INTO sessions (id, hostname, directory, title, created_at, updated_at, last_activity_at)
      SELECT 'ses_stop' || i, 'big-host', '/srv/big', 'session ' || i, t, t, t
      FROM (SELECT i, CASE WHEN i < ${SESSIONS} THEN ${old} ELSE ${Date.now()} END AS t FROM n);
    INSERT INTO timeline (session_id, key, kind, time, text, updated_at)
      SELECT s.id, 'part' || k.value, 'text', s.created_at + k.value, 'lorem ipsum dolor sit amet', s.created_at
      FROM sessions AS s, json_each('[0, 1, 2]') AS k;
  `);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();

  server = await startServer({ dataDir: dir, env: { RETENTION_DAYS: "30" } });
  try {
    // Pruning starts with the server; it is well under way once the server listens.
    const signalAt = Date.now();
    const exitCode = await server.stop();
    const stoppedIn = Date.now() - signalAt;
    assert.equal(exitCode, 0, server.output().slice(-2000));
    assert.ok(stoppedIn <= STOP_WITHIN_MS, `the server took ${stoppedIn} ms to stop:\n${server.output().slice(-1500)}`);
    assert.match(server.output(), /retention: pruned \d+ session\(s\).*stopped there for the shutdown/);

    const check = new Database(server.databasePath, { readonly: true });
    const left = check.prepare("SELECT count(*) FROM sessions").pluck().get() as number;
    const orphans = check
      .prepare("SELECT count(*) FROM timeline WHERE session_id NOT IN (SELECT id FROM sessions)")
      .pluck()
      .get() as number;
    assert.equal(check.pragma("quick_check", { simple: true }), "ok");
    check.close();
    assert.ok(left > KEPT, `the prune was still running at the signal (${left} sessions left)`);
    assert.equal(orphans, 0, "a session goes with its timeline, in one transaction");

    const before = server.output().length;
    await server.restart();
    const deadline = Date.now() + 120_000;
    while (!/retention: pruned \d+ session\(s\)[^\n]*older than 30 day\(s\)"/.test(server.output().slice(before))) {
      assert.ok(Date.now() < deadline, `no complete retention run within 120 s:\n${server.output().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await server.dispose();
  }
  const after = new Database(server.databasePath, { readonly: true });
  assert.equal(after.prepare("SELECT count(*) FROM sessions").pluck().get(), KEPT);
  after.close();
  rmSync(dir, { recursive: true, force: true });
});
