import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openDatabase } from "../../lib/db/client";
import { createIngestStore, type TimelineUpsert } from "../../lib/ingest/store";
import { migrateToLatest } from "../../lib/db/migrations";
import { applyBatches, type BatchEvent } from "../../lib/ingest/batch";
import { createContext, writeBack } from "../../lib/ingest/context";
import { simpleEntry, writeTimeline } from "../../lib/ingest/timeline-writes";
import { parseEvent } from "../../lib/ingest/protocol";

/**
 * A batch holds its writes and makes them once at the end (lib/ingest/context.ts). These check,
 * against a real SQLite file, that this ends exactly where one write at a time would.
 */
async function freshStore() {
  const db = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "ocd-batch-")), "database.db"));
  await migrateToLatest(db.kysely);
  return { db, store: createIngestStore(db.sqlite) };
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

let serial = 0;
function event(type: string, properties: Record<string, unknown>, time = 1_000 + serial): BatchEvent {
  const parsed = parseEvent({ id: `evt_unit_${serial++}`, type, hostname: "unit", directory: "/w", time, properties });
  assert.ok(parsed.ok, `fixture event ${type} is valid`);
  return { index: 0, known: parsed.known, event: parsed.event };
}
const indexed = (events: BatchEvent[]) => events.map((e, index) => ({ ...e, index }));

test("held timeline writes fold to the same row as upserting them one at a time", async () => {
  const { db, store } = await freshStore();
  const next = random(7);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  const write = (sessionId: string, key: string): TimelineUpsert => ({
    ...simpleEntry(sessionId, key, pick(["text", "prompt", "tool"] as const), Math.floor(next() * 50)),
    messageId: pick([null, "msg_1", "msg_2"]),
    endTime: pick([null, 10, 20]),
    status: pick([null, "running", "completed"]),
    tool: pick([null, "bash"]),
    title: pick([null, "a", "b", "c"]),
    text: pick([null, "x", "y", "z"]),
    input: pick([null, "{}", '{"a":1}']),
    output: pick([null, "out-1", "out-2"]),
    data: pick([null, "{}"]),
    truncated: pick([0, 1]),
    progress: pick([0, 1, 2]),
  });
  for (const id of ["ses_one", "ses_held"])
    store.insertSession({ id, hostname: "unit", directory: "/w", time: 1, now: 1 });
  const row = (sessionId: string, key: string) => {
    const { id, session_id, updated_at, ...rest } = db.sqlite
      .prepare("SELECT * FROM timeline WHERE session_id = ? AND key = ?")
      .get(sessionId, key) as Record<string, unknown>;
    return rest;
  };
  const inBatch = (fn: (ctx: ReturnType<typeof createContext>) => void) =>
    store.transaction(() => {
      const ctx = createContext(store, 1, () => false);
      fn(ctx);
      writeBack(ctx);
    });

  for (let trial = 0; trial < 400; trial++) {
    const key = `prt_${trial}`;
    const earlier = Array.from({ length: Math.floor(next() * 3) }, () => write("", key));
    const batch = Array.from({ length: 2 + Math.floor(next() * 3) }, () => write("", key));
    // An entry may already be stored from an earlier batch; both sides start from the same one.
    for (const w of earlier)
      for (const sessionId of ["ses_one", "ses_held"]) inBatch((ctx) => writeTimeline(ctx, { ...w, sessionId }));
    for (const w of batch) inBatch((ctx) => writeTimeline(ctx, { ...w, sessionId: "ses_one" }));
    inBatch((ctx) => batch.forEach((w) => writeTimeline(ctx, { ...w, sessionId: "ses_held" })));
    assert.deepEqual(
      row("ses_held", key),
      row("ses_one", key),
      `trial ${trial}: ${JSON.stringify({ earlier, batch })}`,
    );
  }
});

test("repeated message updates in one batch give the same rows and totals as one batch each", async () => {
  const { db, store } = await freshStore();
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
    const a = updates(one).map((p) => event("message.updated", p));
    const b = a.map((e) =>
      event(
        "message.updated",
        JSON.parse(JSON.stringify((e.event as { properties: unknown }).properties).replaceAll(one, held)),
      ),
    );
    for (const e of a) applyBatches(store, [[e]]);
    applyBatches(store, [indexed(b)]);
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
  const { db, store } = await freshStore();
  // A real failure inside SQLite, where a projection bug or a constraint would raise one.
  db.sqlite.exec(
    `CREATE TRIGGER boom BEFORE INSERT ON timeline WHEN new.key = 'prt_boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
  );
  const part = (id: string, text: string) =>
    event("message.part.updated", {
      part: { id, sessionID: "ses_f", messageID: "msg_f", type: "text", text, time: { start: 1, end: 2 } },
    });
  const first = indexed([
    event("session.status", { sessionID: "ses_f", status: { type: "busy" } }),
    part("prt_ok", "kept"),
    part("prt_boom", "lost"),
    part("prt_ok", "kept, updated"),
  ]);
  const second = indexed([part("prt_other", "other request")]);
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
  const { db, store } = await freshStore();
  const asked = (id: string) =>
    event("permission.asked", { id, sessionID: "ses_k", permission: "bash", patterns: ["rm -rf /"] });
  const reason = () =>
    (
      db.sqlite.prepare("SELECT attention_reason FROM sessions WHERE id = 'ses_k'").get() as {
        attention_reason: string | null;
      }
    ).attention_reason;
  const touch = () =>
    applyBatches(store, [[event("session.status", { sessionID: "ses_k", status: { type: "busy" } })]]);
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
