import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../../lib/db/client";
import { migrateToLatest } from "../../lib/db/migrations";
import type { BatchEvent } from "../../lib/ingest/batch";
import { parseEvent } from "../../lib/ingest/protocol";
import { createIngestStore } from "../../lib/ingest/store";

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
