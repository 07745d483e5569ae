import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "../../lib/db/client";
import { applyBatches } from "../../lib/ingest/batch";
import { asRequest, freshStore, random, wireEvent } from "../support/ingest";

/**
 * A batch holds its writes and makes them once at the end (lib/ingest/batch-state.ts). These
 * check, against a real SQLite file, that this ends exactly where one write at a time would.
 * Timeline entries: tests/unit/timeline-merge.test.ts.
 */
test("repeated message updates in one batch give the same rows and totals as one batch each", async () => {
  const { db, store } = await freshStore("batch");
  const next = random(11);
  const updates = (sessionID: string) => {
    const r = random(Math.floor(next() * 1e9));
    return Array.from({ length: 12 }, () => {
      const id = `msg_${sessionID}_${Math.floor(r() * 3)}`;
      const tokens = Math.floor(r() * 1000);
      const done = r() < 0.4;
      return {
        info: {
          id,
          sessionID,
          role: r() < 0.8 ? "assistant" : "user",
          providerID: "p",
          modelID: `m${Math.floor(r() * 2)}`,
          cost: tokens / 1000,
          tokens: { input: tokens, output: tokens >> 1, reasoning: 1, cache: { read: 2, write: 3 } },
          time: done ? { created: 100, completed: 200 + tokens } : { created: 100 },
        },
      };
    });
  };
  for (let trial = 0; trial < 40; trial++) {
    const one = `ses_one${trial}`;
    const held = `ses_held${trial}`;
    // The two sessions receive the same sequence: one update per batch, then all in one batch.
    const a = updates(one).map((p) => wireEvent("message.updated", p));
    const b = a.map((e) =>
      wireEvent(
        "message.updated",
        JSON.parse(JSON.stringify((e.event as { properties: unknown }).properties).replaceAll(one, held)),
      ),
    );
    for (const e of a) applyBatches(store, [[e]]);
    applyBatches(store, [asRequest(b)]);
    const columns =
      "tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write, cost, message_count, model_id";
    const session = (id: string) => db.sqlite.prepare(`SELECT ${columns} FROM sessions WHERE id = ?`).get(id);
    const messages = (id: string) =>
      (
        db.sqlite.prepare("SELECT * FROM messages WHERE session_id = ? ORDER BY id").all(id) as Record<
          string,
          unknown
        >[]
      ).map(({ id: mid, session_id, ...rest }) => ({ ...rest, id: String(mid).replace(id, "") }));
    assert.deepEqual(session(held), session(one), `trial ${trial}`);
    assert.deepEqual(messages(held), messages(one), `trial ${trial}`);
  }
});

test("an event that fails to apply is reported alone; the rest of its batch and the other batches stay", async () => {
  const { db, store } = await freshStore("batch");
  // A real failure inside SQLite, where a projection bug or a constraint would raise one.
  db.sqlite.exec(
    `CREATE TRIGGER boom BEFORE INSERT ON timeline WHEN new.key = 'prt_boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
  );
  const part = (id: string, text: string) =>
    wireEvent("message.part.updated", {
      part: { id, sessionID: "ses_f", messageID: "msg_f", type: "text", text, time: { start: 1, end: 2 } },
    });
  const first = asRequest([
    wireEvent("session.status", { sessionID: "ses_f", status: { type: "busy" } }),
    part("prt_ok", "kept"),
    part("prt_boom", "lost"),
    part("prt_ok", "kept, updated"),
  ]);
  const second = asRequest([part("prt_other", "other request")]);
  const { counts } = applyBatches(store, [first, second]);
  assert.equal(counts[0].accepted, 3);
  assert.deepEqual(
    counts[0].failed.map((f) => f.index),
    [2],
  );
  assert.match(counts[0].failed[0].message, /boom/);
  assert.equal(counts[1].accepted, 1);
  const texts = db.sqlite.prepare("SELECT key, text FROM timeline ORDER BY key").all();
  assert.deepEqual(texts, [
    { key: "prt_ok", text: "kept, updated" },
    { key: "prt_other", text: "other request" },
  ]);
  assert.equal(
    (db.sqlite.prepare("SELECT status FROM sessions WHERE id = 'ses_f'").get() as { status: string }).status,
    "busy",
  );
  // The failed event's id is not kept, so a resend can succeed once the cause is fixed.
  const seen = db.sqlite
    .prepare("SELECT count(*) AS n FROM events_seen WHERE id = ?")
    .get((first[2].event as { id: string }).id) as { n: number };
  assert.equal(seen.n, 0);
});

test("sessions kept between batches are read again once anything else wrote to them", async () => {
  const { db, store } = await freshStore("batch");
  const asked = (id: string) =>
    wireEvent("permission.asked", { id, sessionID: "ses_k", permission: "bash", patterns: ["rm -rf /"] });
  const reason = () =>
    (
      db.sqlite.prepare("SELECT attention_reason FROM sessions WHERE id = 'ses_k'").get() as {
        attention_reason: string | null;
      }
    ).attention_reason;
  const touch = () =>
    applyBatches(store, [[wireEvent("session.status", { sessionID: "ses_k", status: { type: "busy" } })]]);
  applyBatches(store, [[asked("per_k1")]]);
  touch(); // the session is now kept from this commit
  assert.equal(reason(), "permission");

  // Dismissed through the same connection, as the API does.
  db.sqlite
    .prepare(
      "UPDATE sessions SET attention_reason = NULL, attention_detail = NULL, attention_since = NULL, attention_ref = NULL WHERE id = 'ses_k'",
    )
    .run();
  touch();
  assert.equal(reason(), null, "the dismissal is not written over by a stale copy");

  // Changed by another connection.
  applyBatches(store, [[asked("per_k2")]]);
  touch();
  const other = openDatabase(db.path);
  other.sqlite.prepare("UPDATE sessions SET attention_reason = NULL WHERE id = 'ses_k'").run();
  other.sqlite.close();
  touch();
  assert.equal(reason(), null, "nor is another connection's change");
});
