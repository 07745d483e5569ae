import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { countStates, stateOf } from "../../app/_components/board/board-state";
import { loadConfig } from "../../lib/config";
import { closeDb, openDatabase } from "../../lib/db/client";
import { migrateToLatest } from "../../lib/db/migrations";
import type { AttentionReason, SessionStatus } from "../../lib/db/schema";
import { listInstances } from "../../lib/instances/queries";
import { runtime } from "../../lib/runtime";
import {
  activeSql,
  blockedSql,
  failedSql,
  isActive,
  isBlocked,
  isFailed,
  isReady,
  isWaiting,
  isWorking,
  readySql,
  SESSION_FILTER_NAMES,
  SESSION_FILTERS,
  waitingSql,
  workingSql,
} from "../../lib/sessions/active";
import { dismissFinished } from "../../lib/sessions/commands";
import { listBlocked, listSessions } from "../../lib/sessions/list";
import { getSessionListItems, type SessionListItem } from "../../lib/sessions/list-item";
import { loadBoard } from "../../lib/sessions/pages";
import { sessionListParams } from "../../lib/sessions/params";
import { parseBoardView } from "../../lib/sessions/views";

/**
 * "Active", "blocked" and "working" are defined once (lib/sessions/active.ts), in TypeScript and
 * in SQL. Against a real SQLite file holding every status with every attention reason, on two
 * hosts: the SQL picks the rows the predicates pick, and the board's counters, the Hosts counts
 * and the list filters come to the same numbers.
 */
const STATUSES: SessionStatus[] = ["busy", "idle", "retry", "error"];
const REASONS: (AttentionReason | null)[] = [null, "permission", "question", "idle", "error"];
const HOSTS = ["host-a", "host-b"];

let db: ReturnType<typeof openDatabase>;
let items: SessionListItem[];

before(async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "ocd-active-")), "database.db");
  db = openDatabase(file);
  await migrateToLatest(db.kysely);
  runtime.db = db;
  // Hosts are judged against OFFLINE_AFTER_SECONDS: the configuration of this test's own database.
  runtime.config = loadConfig({ DATABASE_URL: file });
  const insertHost = db.sqlite.prepare("INSERT INTO instances (hostname, first_seen, last_seen) VALUES (?, 1, 1)");
  const insertSession = db.sqlite.prepare(
    `INSERT INTO sessions (id, hostname, status, attention_reason, attention_since, created_at, updated_at, last_activity_at)
     VALUES (?, ?, ?, ?, ?, 1, 1, ?)`,
  );
  let n = 0;
  for (const host of HOSTS) {
    insertHost.run(host);
    // The second host holds one of each combination fewer, so per-host counts differ.
    for (const status of STATUSES)
      for (const reason of REASONS) {
        if (host === "host-b" && reason === "question") continue;
        insertSession.run(`ses_${host}_${status}_${reason}`, host, status, reason, reason ? 1 : null, ++n);
      }
  }
  const ids = db.sqlite.prepare("SELECT id FROM sessions").pluck().all() as string[];
  items = await getSessionListItems(ids);
});

after(async () => {
  runtime.db = undefined;
  runtime.config = undefined;
  await closeDb(db);
});

const sorted = (ids: string[]) => [...ids].sort();
const count = (pick: (item: SessionListItem) => boolean) => items.filter(pick).length;

test("each SQL expression selects exactly the sessions its TypeScript predicate picks", async () => {
  const cases = [
    [workingSql, isWorking],
    [failedSql, isFailed],
    [waitingSql, isWaiting],
    [activeSql, isActive],
    [blockedSql, isBlocked],
    [readySql, isReady],
    ...SESSION_FILTER_NAMES.map((name) => [SESSION_FILTERS[name].sql, SESSION_FILTERS[name].is] as const),
  ] as const;
  for (const [sqlPick, pick] of cases) {
    const rows = await db.kysely.selectFrom("sessions").select("id").where(sqlPick).execute();
    const bySql = sorted(rows.map((r) => r.id));
    assert.deepEqual(bySql, sorted(items.filter(pick).map((i) => i.id)), `${pick.name} on list items`);
    assert.deepEqual(bySql, sorted(items.filter((i) => pick(stateOf(i))).map((i) => i.id)), `${pick.name} on states`);
  }
});

test("working is busy or retrying and never blocked; failed is error; waiting is blocked or ready", () => {
  const working = new Set(items.filter(isWorking).map((i) => i.status));
  assert.deepEqual([...working].sort(), ["busy", "retry"]);
  assert.ok(!items.some((i) => isWorking(i) && isBlocked(i)), "a blocked session is never working");
  assert.deepEqual([...new Set(items.filter(isBlocked).map((i) => i.attention?.reason))].sort(), [
    "error",
    "permission",
    "question",
  ]);
  assert.deepEqual([...new Set(items.filter(isReady).map((i) => i.attention?.reason))], ["idle"]);
  assert.equal(count(isWaiting), count(isBlocked) + count(isReady));
  assert.deepEqual([...new Set(items.filter(isFailed).map((i) => i.status))], ["error"]);
  assert.ok(items.filter(isWaiting).every((i) => i.attention !== null));
  assert.equal(count(isWaiting), items.filter((i) => i.attention).length);
  assert.ok(items.filter((i) => !isActive(i)).every((i) => i.status === "idle" && i.attention === null));
});

test("the board's counters, the Hosts counts and the list filters agree", async () => {
  const expected = {
    working: count(isWorking),
    blocked: count(isBlocked),
    finished: count(isReady),
    errors: count(isFailed),
  };
  assert.ok(Object.values(expected).every((n) => n > 0));

  const board = await loadBoard(parseBoardView({}));
  assert.equal(board.kind, "board");
  if (board.kind !== "board") return;
  assert.deepEqual(countStates(new Map(board.states.map((s) => [s.id, s]))), expected);

  const hosts = await listInstances();
  assert.deepEqual(hosts.map((h) => h.hostname).sort(), HOSTS);
  const sum = (key: "busy" | "blocked" | "finished" | "attention") => hosts.reduce((total, h) => total + h[key], 0);
  assert.equal(sum("busy"), expected.working);
  assert.equal(sum("blocked"), expected.blocked);
  assert.equal(sum("finished"), expected.finished);
  assert.equal(sum("attention"), count(isWaiting));
  for (const h of hosts) {
    const onHost = items.filter((i) => i.hostname === h.hostname);
    assert.equal(h.busy, onHost.filter(isWorking).length, `${h.hostname} busy`);
    assert.equal(h.blocked, onHost.filter(isBlocked).length, `${h.hostname} blocked`);
    assert.equal(h.finished, onHost.filter(isReady).length, `${h.hostname} finished`);
    assert.equal(h.attention, onHost.filter(isWaiting).length, `${h.hostname} attention`);
  }

  const listed = async (status: string) =>
    (await listSessions(sessionListParams.parse({ parent: "any", status, limit: "200" }))).sessions.length;
  assert.equal(await listed("working"), expected.working);
  assert.equal(await listed("busy,retry"), expected.working);
  assert.equal(await listed("blocked"), expected.blocked);
  const asking = count((i) => i.attention?.reason === "permission" || i.attention?.reason === "question");
  assert.equal(await listed("permission,question"), asking);
  assert.equal(await listed("finished"), expected.finished);
  assert.equal(await listed("attention"), count(isWaiting));
  assert.equal(await listed("error"), expected.errors);

  // The board pins the blocked ones, by their own query.
  assert.equal(board.blocked.length, expected.blocked);
  assert.ok(board.blocked.every(isBlocked));
  const blockedOnA = await listBlocked(sessionListParams.parse({ parent: "any", hostname: "host-a" }));
  assert.deepEqual(
    blockedOnA.map((s) => s.id).sort(),
    sorted(items.filter((i) => i.hostname === "host-a" && isBlocked(i)).map((i) => i.id)),
  );
});

test("dismissing finished sessions clears ready attention only: by host, then by age", async () => {
  // Runs last: it changes the rows the tests above read.
  const finishedOn = (host: string) => items.filter((i) => i.hostname === host && isReady(i)).map((i) => i.id);
  const reason = (id: string) =>
    db.sqlite.prepare("SELECT attention_reason FROM sessions WHERE id = ?").pluck().get(id) as string | null;
  const blockedBefore = count(isBlocked);

  assert.equal(dismissFinished({ hostname: "host-a" }), finishedOn("host-a").length);
  assert.ok(finishedOn("host-a").every((id) => reason(id) === null));
  assert.ok(
    finishedOn("host-b").every((id) => reason(id) === "idle"),
    "the other host keeps its finished sessions",
  );

  // Every finished session here was finished at t=1: a cutoff at 1 keeps them, one after clears them.
  assert.equal(dismissFinished({ finishedBefore: 1 }), 0);
  assert.equal(dismissFinished({ finishedBefore: 2 }), finishedOn("host-b").length);
  const rows = await db.kysely.selectFrom("sessions").select("id").where(blockedSql).execute();
  assert.equal(rows.length, blockedBefore, "blocked sessions are never dismissed in bulk");
  assert.equal((await db.kysely.selectFrom("sessions").select("id").where(readySql).execute()).length, 0);
});
