import type { IngestStore } from "../db/ingest-store";
import { type Context, createContext, type IngestChanges, saveDrafts } from "./context";
import { applyEvent } from "./events";
import type { KnownEvent } from "./protocol";

export { emptyChanges, type IngestChanges } from "./context";

export type BatchEvent = { index: number; known: boolean; event: KnownEvent | { id: string; hostname: string } };

export type BatchResult = {
  accepted: number;
  duplicates: number;
  ignored: number;
  failed: { index: number; message: string }[];
  changes: IngestChanges;
};

export type BatchOptions = { now?: number; watching?: (sessionId: string) => boolean };

function runBatch(store: IngestStore, events: BatchEvent[], options: BatchOptions, isolate: boolean): BatchResult {
  const ctx: Context = createContext(store, options.now ?? Date.now(), options.watching ?? (() => true));
  const result: BatchResult = { accepted: 0, duplicates: 0, ignored: 0, failed: [], changes: ctx.changes };
  const applyOne = ({ known, event }: BatchEvent) => {
    if (!store.markSeen(event.id, ctx.now)) {
      result.duplicates++;
      return;
    }
    if (!known) {
      result.ignored++;
      return;
    }
    applyEvent(ctx, event as KnownEvent);
    result.accepted++;
  };
  store.transaction(() => {
    // Hosts first: a heartbeat in this batch updates the row this creates.
    for (const hostname of new Set(events.map((e) => e.event.hostname))) {
      store.touchInstance(hostname, ctx.now);
      ctx.changes.instances.add(hostname);
    }
    for (const item of events) {
      if (!isolate) {
        applyOne(item);
        continue;
      }
      try {
        // A savepoint per event, with the session drafts written inside it, so that a failure
        // undoes exactly that event.
        store.transaction(() => {
          applyOne(item);
          saveDrafts(ctx);
        });
      } catch (error) {
        ctx.drafts.clear();
        result.failed.push({ index: item.index, message: `internal error applying event: ${(error as Error).message}` });
      }
    }
    saveDrafts(ctx);
  });
  return result;
}

/**
 * Applies validated events in one transaction: an acknowledged event is durable. Should applying
 * one throw (a projection bug, a constraint), the batch is redone with a savepoint per event so
 * that only the broken events are lost, and they are reported. Savepoints cost about as much as
 * the rest of the work, so the common path goes without.
 */
export function applyBatch(store: IngestStore, events: BatchEvent[], options: BatchOptions = {}): BatchResult {
  try {
    return runBatch(store, events, options, false);
  } catch {
    return runBatch(store, events, options, true);
  }
}
