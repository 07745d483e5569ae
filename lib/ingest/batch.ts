import type { IngestStore } from "./store";
import { getLog } from "../log";
import { countConflict, countIgnoredForDeleted } from "../metrics/registry";
import { Batch } from "./batch-state";
import { EventConflict } from "./conflict";
import { applyEvent } from "./rules/events";
import { dropSessionCache, sessionCache, sessionCacheCommitted } from "./session-cache";
import type { KnownEvent } from "./protocol";

export type BatchEvent = { index: number; known: boolean; event: KnownEvent | { id: string; hostname: string } };

/** What became of one request's events (`ignored`: unknown types, and events for sessions deleted on the dashboard). */
export type BatchCounts = {
  accepted: number;
  duplicates: number;
  ignored: number;
  failed: { index: number; field?: string; message: string }[];
};

export type BatchOptions = { now?: number; watching?: (sessionId: string) => boolean };

function runBatches(store: IngestStore, batches: BatchEvent[][], options: BatchOptions, isolate: boolean) {
  // The fast path reuses the sessions the last commit left (./session-cache.ts); the careful one reads.
  const known = isolate ? null : sessionCache(store);
  const batch = new Batch(store, options.now ?? Date.now(), options.watching ?? (() => true), known);
  const counts: BatchCounts[] = batches.map(() => ({ accepted: 0, duplicates: 0, ignored: 0, failed: [] }));
  // The fast path records every id in one statement up front (in the transaction, below); an
  // event's own savepoint (isolate) records its id itself, so that a failed event's id is not kept.
  let fresh: Set<string> | null = null;
  const firstSight = (id: string) => (fresh ? fresh.delete(id) : store.markSeen(id, batch.now));
  const applyOne = ({ known, event }: BatchEvent): "duplicates" | "ignored" | "accepted" => {
    if (!firstSight(event.id)) return "duplicates";
    if (!known) return "ignored";
    return applyEvent(batch, event as KnownEvent) ? "accepted" : "ignored";
  };
  store.transaction(() => {
    if (!isolate)
      fresh = store.markSeenMany(
        batches.flatMap((events) => events.map((e) => e.event.id)),
        batch.now,
      );
    // Hosts first: a heartbeat in this batch updates the row this creates.
    for (const hostname of new Set(batches.flatMap((events) => events.map((e) => e.event.hostname)))) {
      batch.touchInstance(hostname);
    }
    batches.forEach((events, b) => {
      for (const item of events) {
        if (!isolate) {
          counts[b][applyOne(item)]++;
          continue;
        }
        try {
          // A savepoint per event, with the held writes made inside it, so that a failure
          // undoes exactly that event.
          const outcome = store.transaction(() => {
            const outcome = applyOne(item);
            batch.flush();
            return outcome;
          });
          counts[b][outcome]++;
        } catch (error) {
          batch.drop();
          if (error instanceof EventConflict) {
            countConflict(error.field);
            counts[b].failed.push({ index: item.index, field: error.field, message: error.message });
          } else {
            counts[b].failed.push({
              index: item.index,
              message: `internal error applying event: ${(error as Error).message}`,
            });
          }
        }
      }
    });
    batch.flush();
  });
  return { counts, changes: batch.changes, ignoredForDeleted: batch.ignoredForDeleted };
}

/** Events for sessions deleted on the dashboard, once committed: a metric, and a line for whoever debugs. */
function reportIgnoredForDeleted(ignored: Map<string, number>) {
  if (ignored.size === 0) return;
  const events = [...ignored.values()].reduce((n, count) => n + count, 0);
  countIgnoredForDeleted(events);
  getLog().debug(
    { ignoredForDeleted: Object.fromEntries(ignored) },
    `ignored ${events} event(s) for ${ignored.size} session(s) deleted on the dashboard`,
  );
}

/**
 * Applies the validated events of one or more requests in one transaction: an acknowledged event
 * is durable. Should applying one throw (a projection bug, a constraint), everything is redone
 * with a savepoint per event so that only the broken events are lost, and they are reported.
 * Savepoints cost about as much as the rest of the work, so the common path goes without.
 */
export function applyBatches(store: IngestStore, batches: BatchEvent[][], options: BatchOptions = {}) {
  try {
    const applied = runBatches(store, batches, options, false);
    sessionCacheCommitted(store);
    reportIgnoredForDeleted(applied.ignoredForDeleted);
    return applied;
  } catch {
    dropSessionCache(store);
    const applied = runBatches(store, batches, options, true);
    reportIgnoredForDeleted(applied.ignoredForDeleted);
    return applied;
  }
}
