import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { countedStates, countStates, offlineHostsAt, rowStale } from "../../app/_components/board/board-state";
import { loadConfig } from "../../lib/config";
import { closeDb, openDatabase } from "../../lib/db/client";
import { migrateToLatest } from "../../lib/db/migrations";
import type { AttentionReason, SessionStatus } from "../../lib/db/schema";
import { listHostClocks } from "../../lib/instances/item";
import { listInstances } from "../../lib/instances/queries";
import { runtime } from "../../lib/runtime";
import {
  hostOfflineAt,
  isFailed,
  isHostOffline,
  isWaiting,
  isBlocked,
  isReady,
  isWorking,
  offlineHeartbeatCutoff,
  staleSql,
} from "../../lib/sessions/active";
import { listSessions } from "../../lib/sessions/list";
import { getSessionListItems, type SessionListItem } from "../../lib/sessions/list-item";
import { loadBoard } from "../../lib/sessions/pages";
import { sessionListParams } from "../../lib/sessions/params";
import { parseBoardView } from "../../lib/sessions/views";

/**
 * "Stale" is defined once (lib/sessions/active.ts), in TypeScript and SQL: a session deleted in
 * OpenCode, or one whose host's heartbeat is OFFLINE_AFTER_SECONDS old. Against a real SQLite
 * file with a host online, one offline, one that never sent a heartbeat, and a deleted session:
 * both sides pick the same rows, and no count of working or waiting includes a stale one.
 */
const OFFLINE_AFTER_SECONDS = 60;
const WINDOW_MS = OFFLINE_AFTER_SECONDS * 1000;
const STATUSES: SessionStatus[] = ["busy", "idle", "retry", "error"];
const REASONS: (AttentionReason | null)[] = [null, "permission", "idle"];
const NOW = Date.now();
/** Heartbeats: online, offline by exactly the window (the boundary), none ever. */
const HOSTS: [string, number | null][] = [
  ["up", NOW],
  ["down", NOW - WINDOW_MS],
  ["quiet", null],
];

let db: ReturnType<typeof openDatabase>;
let items: SessionListItem[];

before(async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "ocd-stale-")), "database.db");
  db = openDatabase(file);
  await migrateToLatest(db.kysely);
  runtime.db = db;
  runtime.config = loadConfig({ DATABASE_URL: file, OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER_SECONDS) });
  const insertHost = db.sqlite.prepare(
    "INSERT INTO instances (hostname, first_seen, last_seen, last_heartbeat) VALUES (?, 1, 1, ?)",
  );
  const insertSession = db.sqlite.prepare(
    `INSERT INTO sessions (id, hostname, status, attention_reason, attention_since, created_at, updated_at, last_activity_at, deleted_at)
     VALUES (?, ?, ?, ?, ?, 1, 1, ?, ?)`,
  );
  let n = 0;
  for (const [host, heartbeat] of HOSTS) {
    insertHost.run(host, heartbeat);
    for (const status of STATUSES)
      for (const reason of REASONS)
        for (const deletedAt of [null, 5])
          insertSession.run(
            `ses_${host}_${status}_${reason}_${deletedAt ?? "kept"}`,
            host,
            status,
            reason,
            reason ? 1 : null,
            ++n,
            deletedAt,
          );
  }
  items = await getSessionListItems(db.sqlite.prepare("SELECT id FROM sessions").pluck().all() as string[]);
});

after(async () => {
  runtime.db = undefined;
  runtime.config = undefined;
  await closeDb(db);
});

const sorted = (ids: string[]) => [...ids].sort();

async function offlineHosts(now: number) {
  return offlineHostsAt(await listHostClocks(), now);
}

test("the SQL picks exactly the sessions the TypeScript rule calls stale, at the boundary too", async () => {
  for (const now of [NOW, NOW - 1]) {
    const offline = await offlineHosts(now);
    assert.deepEqual([...offline], now === NOW ? ["down"] : [], "a heartbeat exactly the window old is offline");
    const cutoff = offlineHeartbeatCutoff(now, WINDOW_MS);
    const rows = await db.kysely
      .selectFrom("sessions")
      .select("id")
      .where((eb) => staleSql(eb, cutoff))
      .execute();
    const byTs = items.filter((i) => rowStale(i, offline) !== null).map((i) => i.id);
    assert.deepEqual(sorted(rows.map((r) => r.id)), sorted(byTs));
  }
  assert.equal(isHostOffline(hostOfflineAt(null, WINDOW_MS), NOW + 10 * WINDOW_MS), false, "no heartbeat: not judged");
  assert.equal(rowStale({ hostname: "up", deletedAt: 5 }, new Set()), "deleted");
  assert.equal(rowStale({ hostname: "down", deletedAt: null }, new Set(["down"])), "host_offline");
});

test("no count of working or waiting includes a stale session: board, Hosts, list filters", async () => {
  const offline = await offlineHosts(NOW);
  const counted = items.filter((i) => rowStale(i, offline) === null);
  const expected = {
    working: counted.filter(isWorking).length,
    blocked: counted.filter(isBlocked).length,
    finished: counted.filter(isReady).length,
    errors: counted.filter(isFailed).length,
  };
  assert.ok(expected.working > 0 && expected.blocked > 0 && expected.finished > 0);

  const board = await loadBoard(parseBoardView({}));
  assert.equal(board.kind, "board");
  if (board.kind !== "board") return;
  const states = new Map(board.states.map((s) => [s.id, s]));
  const boardOffline = offlineHostsAt(board.hostClocks, NOW);
  assert.deepEqual(countStates(countedStates(states, boardOffline)), expected);

  const hosts = await listInstances(NOW);
  for (const h of hosts) {
    const onHost = counted.filter((i) => i.hostname === h.hostname);
    assert.equal(h.busy, onHost.filter(isWorking).length, `${h.hostname} busy`);
    assert.equal(h.attention, onHost.filter(isWaiting).length, `${h.hostname} waiting`);
    assert.equal(h.blocked, onHost.filter(isBlocked).length, `${h.hostname} blocked`);
    assert.equal(h.finished, onHost.filter(isReady).length, `${h.hostname} finished`);
  }
  assert.deepEqual(
    hosts.map((h) => [h.hostname, h.online]),
    [
      ["down", false],
      ["quiet", false],
      ["up", true],
    ],
  );
  assert.equal(hosts.find((h) => h.hostname === "down")?.busy, 0);

  const listed = async (status: string) =>
    (await listSessions(sessionListParams.parse({ parent: "any", status, limit: "200" }), NOW)).sessions;
  assert.equal((await listed("working")).length, expected.working);
  assert.equal((await listed("blocked")).length, expected.blocked);
  assert.equal((await listed("finished")).length, expected.finished);
  assert.equal((await listed("attention")).length, counted.filter(isWaiting).length);
  assert.ok((await listed("busy,idle,retry,error,attention")).every((i) => rowStale(i, offline) === null));
});
