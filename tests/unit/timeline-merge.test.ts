import assert from "node:assert/strict";
import { test } from "node:test";
import type { TimelineRow } from "../../lib/db/schema";
import { applyBatches, type BatchEvent } from "../../lib/ingest/batch";
import { Batch } from "../../lib/ingest/batch-state";
import { Progress } from "../../lib/ingest/progress";
import { simpleEntry } from "../../lib/ingest/rules/timeline-entry";
import type { TimelineUpsert } from "../../lib/ingest/store";
import { asRequest, freshStore, random, wireEvent } from "../support/ingest";

/**
 * Timeline entries have one merge rule, the store's upsert (lib/ingest/store.ts). Batches and
 * group commit cut a stream of updates in places nobody chooses, and a session may be watched
 * live or not: on random sequences, against a real SQLite file, however the updates are split,
 * the stored rows must be those of the rule applied to one update at a time, in order.
 */
const CASES = 300;

type Rng = () => number;
const pick = <T>(next: Rng, items: readonly T[]) => items[Math.floor(next() * items.length)];
const progresses = Object.values(Progress);

/** An update of one entry with every column drawn at random, nulls included. */
function randomWrite(next: Rng, sessionId: string, key: string): TimelineUpsert {
  return {
    ...simpleEntry(sessionId, key, pick(next, ["text", "prompt", "tool"] as const), Math.floor(next() * 50)),
    message_id: pick(next, [null, "msg_1", "msg_2"]),
    end_time: pick(next, [null, 10, 20]),
    status: pick(next, [null, "running", "completed"]),
    tool: pick(next, [null, "bash"]),
    title: pick(next, [null, "a", "b", "c"]),
    text: pick(next, [null, "x", "y", "z"]),
    input: pick(next, [null, "{}", '{"a":1}']),
    output: pick(next, [null, "out-1", "out-2"]),
    data: pick(next, [null, "{}"]),
    truncated: pick(next, [0, 1]),
    progress: pick(next, progresses),
  };
}

/** Cuts a sequence into consecutive runs of random length (at least one item each). */
function split<T>(next: Rng, items: T[]): T[][] {
  const runs: T[][] = [];
  for (let i = 0; i < items.length;) {
    const length = 1 + Math.floor(next() * (items.length - i));
    runs.push(items.slice(i, i + length));
    i += length;
  }
  return runs;
}

type Stored = Omit<TimelineRow, "id" | "session_id" | "updated_at">;
const comparable = ({ id: _id, session_id: _session, updated_at: _updated, ...rest }: TimelineRow): Stored => rest;

test("timeline updates in random batches end in the rows of the rule applied one at a time", async () => {
  const { db, store } = await freshStore("merge");
  const rows = (sessionId: string) =>
    (db.sqlite.prepare("SELECT * FROM timeline WHERE session_id = ? ORDER BY key").all(sessionId) as TimelineRow[]).map(
      comparable,
    );
  const next = random(20260512);

  for (let trial = 0; trial < CASES; trial++) {
    const keys = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, k) => `prt_${k}`);
    const writes = Array.from({ length: 2 + Math.floor(next() * 8) }, () => randomWrite(next, "", pick(next, keys)));
    const [oneByOne, batched] = [`ses_one_${trial}`, `ses_batched_${trial}`];
    for (const id of [oneByOne, batched])
      store.insertSession({ id, hostname: "unit", directory: "/w", time: 1, now: 1 });

    for (const write of writes)
      store.transaction(() => store.upsertTimelineQuiet({ ...write, session_id: oneByOne }, 1));

    const runs = split(next, writes);
    for (const run of runs) {
      const watched = next() < 0.5;
      const batch = new Batch(store, 1, () => watched);
      store.transaction(() => {
        for (const write of run) {
          const entry = { ...write, session_id: batched };
          // Prompts are written asking for the merged row back; everything else is not.
          if (next() < 0.2) assert.deepEqual(comparable(batch.writeTimelineRow(entry)), rowOf(entry.key));
          else batch.writeTimeline(entry);
        }
        batch.flush();
      });
      // A watched session is sent each entry the batch touched once, as it is now stored.
      const sent = batch.changes.timeline.map(comparable);
      const touched = [...new Set(run.map((w) => w.key))].sort();
      if (watched)
        assert.deepEqual(
          sent.sort((a, b) => a.key.localeCompare(b.key)),
          touched.map(rowOf),
        );
      else assert.deepEqual(sent, []);
    }

    const context = `trial ${trial}: ${JSON.stringify({ writes, runs: runs.map((r) => r.length) })}`;
    assert.deepEqual(rows(batched), rows(oneByOne), context);
    for (const row of rows(batched))
      assertRuleProperties(
        row,
        writes.filter((w) => w.key === row.key),
        context,
      );

    function rowOf(key: string) {
      return rows(batched).find((r) => r.key === key)!;
    }
  }
});

/** The columns whose values the rule merges: all a write carries but its key, kind, time and progress. */
const NOT_MERGED = new Set(["session_id", "key", "kind", "time", "truncated", "progress"]);
const columns = (Object.keys(simpleEntry("", "", "text", 0)) as (keyof TimelineUpsert & keyof Stored)[]).filter(
  (c) => !NOT_MERGED.has(c),
);

/**
 * What the rule promises, stated apart from how it does it: an entry is as far along as its
 * furthest update and starts at its earliest; among the furthest updates, the last to carry a
 * value wins; no value an update carried is lost to a null.
 */
function assertRuleProperties(row: Stored, writes: TimelineUpsert[], context: string) {
  const furthest = Math.max(...writes.map((w) => w.progress));
  assert.equal(row.progress, furthest, context);
  assert.equal(row.time, Math.min(...writes.map((w) => w.time)), context);
  const final = writes.filter((w) => w.progress === furthest);
  for (const column of columns) {
    const carried = final.filter((w) => w[column] !== null);
    if (carried.length > 0) assert.equal(row[column], carried[carried.length - 1][column], `${context}: ${column}`);
    else if (writes.some((w) => w[column] !== null)) assert.notEqual(row[column], null, `${context}: ${column}`);
  }
}

/** Tool and text parts as OpenCode reports them, in random order, some repeated; ids are unique per session, as OpenCode's are. */
function partEvents(next: Rng, sessionID: string, messageID: string): BatchEvent[] {
  const events: BatchEvent[] = [];
  const count = 3 + Math.floor(next() * 10);
  for (let i = 0; i < count; i++) {
    const time = 100 + Math.floor(next() * 20);
    const roll = next();
    if (roll < 0.5) {
      const status = pick(next, ["pending", "running", "completed", "error"] as const);
      const state =
        status === "pending"
          ? { status, input: {} }
          : status === "running"
            ? { status, input: { command: "ls" }, title: "ls", time: { start: time } }
            : status === "completed"
              ? { status, input: { command: "ls" }, output: "a\nb", title: "ls", time: { start: time, end: time + 5 } }
              : { status, input: { command: "ls" }, error: "boom", time: { start: time, end: time + 5 } };
      const part = {
        id: `${pick(next, ["prt_tool_a", "prt_tool_b"])}_${sessionID}`,
        sessionID,
        messageID,
        type: "tool",
        tool: "bash",
        state,
      };
      events.push(wireEvent("message.part.updated", { part, callID: "call_1" }, time));
    } else if (roll < 0.85) {
      const done = next() < 0.5;
      const text = pick(next, ["Hel", "Hello", "Hello there"]);
      const part = {
        id: `prt_text_${sessionID}`,
        sessionID,
        messageID,
        type: "text",
        text,
        time: done ? { start: time, end: time + 1 } : { start: time },
      };
      events.push(wireEvent("message.part.updated", { part }, time));
    } else if (roll < 0.95) {
      const role = pick(next, ["user", "assistant"] as const);
      events.push(
        wireEvent("message.updated", { info: { id: messageID, sessionID, role, time: { created: time } } }, time),
      );
    } else {
      events.push(
        wireEvent(
          "message.part.removed",
          { sessionID, partID: `${pick(next, ["prt_tool_a", "prt_text"])}_${sessionID}` },
          time,
        ),
      );
    }
  }
  return events;
}

test("part events in random requests and commits end as one event per request would", async () => {
  const { db, store } = await freshStore("merge-events");
  const rows = (sessionId: string) =>
    (db.sqlite.prepare("SELECT * FROM timeline WHERE session_id = ? ORDER BY key").all(sessionId) as TimelineRow[]).map(
      (row) => ({
        ...comparable(row),
        key: row.key.replace(sessionId, ""),
        message_id: row.message_id?.replace(sessionId, ""),
      }),
    );
  const next = random(7);

  for (let trial = 0; trial < CASES; trial++) {
    const seed = Math.floor(next() * 2 ** 31);
    const [single, grouped] = [`ses_single_${trial}`, `ses_grouped_${trial}`];
    // The same random stream for both sessions, under their own ids.
    const stream = (sessionID: string) => partEvents(random(seed), sessionID, `msg_${sessionID}`);

    for (const e of stream(single)) applyBatches(store, [[e]]);
    const watched = next() < 0.5;
    for (const commit of split(next, split(next, stream(grouped)))) {
      applyBatches(store, commit.map(asRequest), { watching: () => watched });
    }
    assert.deepEqual(rows(grouped), rows(single), `trial ${trial} (seed ${seed})`);
  }
});
