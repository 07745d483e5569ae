import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { closeDb, type Db, openDatabase } from "../../lib/db/client";
import { migrateToLatest } from "../../lib/db/migrations";
import { applyBatches, type BatchEvent } from "../../lib/ingest/batch";
import { parseEvent } from "../../lib/ingest/protocol";
import { createIngestStore, type IngestStore } from "../../lib/ingest/store";
import { runtime } from "../../lib/runtime";

/** A real SQLite file in a temp dir, migrated, with the ingest path's statements on it. */
export async function freshStore(name: string) {
  const db = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), `ocd-${name}-`)), "database.db"));
  await migrateToLatest(db.kysely);
  return { db, store: createIngestStore(db.sqlite) };
}

/** A small deterministic generator, so a failure can be replayed from its seed. */
export function random(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

let serial = 0;

/** A wire event as POST /events would pass it on, validated by the real schema; a fresh id each. */
export function wireEvent(type: string, properties: Record<string, unknown>, time = 1_000 + serial): BatchEvent {
  const parsed = parseEvent({ id: `evt_unit_${serial++}`, type, hostname: "unit", directory: "/w", time, properties });
  assert.ok(parsed.ok, `fixture event ${type} is valid`);
  return { index: 0, known: parsed.known, event: parsed.event };
}

/** Events as one request carries them: numbered in order. */
export const asRequest = (events: BatchEvent[]) => events.map((e, index) => ({ ...e, index }));

/**
 * For a test file: a fresh store, installed as the process's database while the file runs (the
 * subjects' commands, such as dismiss and delete, write through it as the API routes do).
 * `send` applies events as one request through the batch and store POST /events uses; none may
 * fail. The fields are set in `before`: read them inside tests.
 */
export function processStore(name: string) {
  const held = {
    db: undefined as unknown as Db,
    store: undefined as unknown as IngestStore,
    send(...events: BatchEvent[]) {
      const { counts } = applyBatches(held.store, [asRequest(events)]);
      assert.deepEqual(counts[0].failed, []);
      return counts[0];
    },
  };
  before(async () => {
    Object.assign(held, await freshStore(name));
    runtime.db = held.db;
  });
  after(() => {
    runtime.db = undefined;
    return closeDb(held.db);
  });
  return held;
}
