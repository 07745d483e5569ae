import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { capTombstones, pruneQuietTombstones } from "../../lib/db/upkeep/tombstones";
import { deleteSessionTree } from "../../lib/sessions/commands";
import { processStore, wireEvent } from "../support/ingest";

/**
 * The two ways a session is deleted, against a real SQLite file through the same batch and store
 * as POST /events: OpenCode deletes it (`session.deleted`: the row stays, marked, and nothing
 * there waits for the user), or the dashboard does (lib/sessions/commands.ts: the rows go, a
 * tombstone stays, and later events for it are ignored and counted).
 */
const fixture = processStore("deleted");
const { send } = fixture;

const row = (id: string) =>
  fixture.db.sqlite.prepare("SELECT attention_reason, deleted_at FROM sessions WHERE id = ?").get(id) as
    { attention_reason: string | null; deleted_at: number | null } | undefined;
const count = (sql: string, ...params: unknown[]) =>
  fixture.db.sqlite
    .prepare(sql)
    .pluck()
    .get(...params) as number;
const tombstone = (id: string) =>
  fixture.db.sqlite.prepare("SELECT ignored_events, last_event_at FROM tombstones WHERE session_id = ?").get(id) as
    { ignored_events: number; last_event_at: number } | undefined;

const info = (id: string, time: number, parentID?: string) => ({
  info: { id, parentID, title: "t", directory: "/w", time: { created: time, updated: time } },
});
const created = (id: string, time: number, parentID?: string) =>
  wireEvent("session.created", info(id, time, parentID), time);
const deleted = (id: string, time: number) => wireEvent("session.deleted", info(id, time), time);
const busy = (sessionID: string, time: number) =>
  wireEvent("session.status", { sessionID, status: { type: "busy" } }, time);
const idle = (sessionID: string, time: number) =>
  wireEvent("session.status", { sessionID, status: { type: "idle" } }, time);
const permissionAsked = (sessionID: string, id: string, time: number) =>
  wireEvent(
    "permission.asked",
    { id, sessionID, permission: "bash", patterns: ["ls"], metadata: { command: "ls" }, always: [] },
    time,
  );
const message = (sessionID: string, id: string, time: number) =>
  wireEvent(
    "message.updated",
    {
      info: {
        id,
        sessionID,
        role: "assistant",
        providerID: "p",
        modelID: "m",
        cost: 0.5,
        tokens: { input: 1, output: 1, reasoning: 0, cache: { read: 0, write: 0 } },
        time: { created: time, completed: time + 1 },
      },
    },
    time,
  );
const part = (sessionID: string, messageID: string, time: number) =>
  wireEvent(
    "message.part.updated",
    { part: { id: `prt_${time}`, sessionID, messageID, type: "text", text: "late" }, time },
    time,
  );

describe("session.deleted (OpenCode deleted it)", () => {
  test("marks the session deleted, clears its attention and what it was asked", () => {
    send(created("ses_oc_del", 10), busy("ses_oc_del", 11), permissionAsked("ses_oc_del", "per_d", 12));
    assert.equal(row("ses_oc_del")?.attention_reason, "permission");
    send(deleted("ses_oc_del", 20));
    assert.deepEqual(row("ses_oc_del"), { attention_reason: null, deleted_at: 20 });
    assert.equal(count("SELECT count(*) FROM pending_requests WHERE session_id = ?", "ses_oc_del"), 0);
  });

  test("a late event cannot make a deleted session wait for the user again", () => {
    send(created("ses_oc_late", 10), busy("ses_oc_late", 11), deleted("ses_oc_late", 12));
    send(idle("ses_oc_late", 13));
    assert.deepEqual(row("ses_oc_late"), { attention_reason: null, deleted_at: 12 });
  });
});

describe("deleted on the dashboard (a tombstone)", () => {
  test("later message, part and status events are ignored, counted, and never re-create the session", () => {
    send(created("ses_dash", 10), busy("ses_dash", 11), message("ses_dash", "msg_dash", 12));
    send(created("ses_dash_child", 13, "ses_dash"));
    assert.deepEqual(deleteSessionTree("ses_dash")?.sort(), ["ses_dash", "ses_dash_child"]);
    assert.equal(row("ses_dash"), undefined);

    const counts = send(
      message("ses_dash", "msg_dash_2", 20),
      part("ses_dash", "msg_dash_2", 21),
      idle("ses_dash", 22),
      busy("ses_dash_child", 23),
    );
    assert.deepEqual([counts.accepted, counts.ignored], [0, 4]);
    assert.equal(row("ses_dash"), undefined);
    assert.equal(row("ses_dash_child"), undefined);
    assert.equal(count("SELECT count(*) FROM messages WHERE session_id = ?", "ses_dash"), 0);
    assert.equal(count("SELECT count(*) FROM timeline WHERE session_id = ?", "ses_dash"), 0);
    assert.equal(tombstone("ses_dash")?.ignored_events, 3);
    assert.equal(tombstone("ses_dash_child")?.ignored_events, 1);
  });

  test("a subagent started later under a deleted session goes with it", () => {
    send(created("ses_dash_p", 10));
    deleteSessionTree("ses_dash_p");
    const counts = send(created("ses_dash_new_child", 30, "ses_dash_p"), busy("ses_dash_new_child", 31));
    assert.deepEqual([counts.accepted, counts.ignored], [0, 2]);
    assert.equal(row("ses_dash_new_child"), undefined);
    assert.equal(tombstone("ses_dash_new_child")?.ignored_events, 2);
  });

  test("tombstones are bounded: quiet ones expire with retention, the quietest go beyond the cap", () => {
    fixture.db.sqlite.exec("DELETE FROM tombstones");
    const add = fixture.db.sqlite.prepare(
      "INSERT INTO tombstones (session_id, hostname, deleted_at, last_event_at) VALUES (?, 'unit', ?, ?)",
    );
    for (let i = 0; i < 5; i++) add.run(`ses_tomb_${i}`, i, 100 + i);
    assert.equal(pruneQuietTombstones(fixture.db.sqlite, 101), 1);
    assert.equal(capTombstones(fixture.db.sqlite, 2), 2);
    const left = fixture.db.sqlite.prepare("SELECT session_id FROM tombstones ORDER BY session_id").pluck().all();
    assert.deepEqual(left, ["ses_tomb_3", "ses_tomb_4"]);
  });
});
