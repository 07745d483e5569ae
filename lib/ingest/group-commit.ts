import { getLog } from "../log";
import { getDb, getHub } from "../runtime";
import { ingestStoreFor } from "./store";
import { applyBatches, type BatchCounts, type BatchEvent } from "./batch";

/**
 * Group commit: the batches of requests that finish arriving in the same turn of the event loop
 * are applied together, in one transaction. A commit writes every page its transaction dirtied
 * to the WAL (and a checkpoint later copies each one into the database file); concurrent batches
 * dirty many of the same pages (the newest end of the timeline and its indexes, the sessions
 * being worked on), so sharing a commit writes them once; and sessions, messages and timeline
 * entries named by several batches are read and written once (see ./batch-state.ts). Failures stay
 * per event (./batch.ts), and no request is answered before the commit its events are in.
 */
type Job = { events: BatchEvent[]; resolve: (result: BatchCounts) => void; reject: (error: unknown) => void };

/** Bounds one transaction, and so how long it holds the event loop. */
const MAX_GROUP_EVENTS = 2000;

const queue: Job[] = [];
let scheduled = false;

export function applyGrouped(events: BatchEvent[]): Promise<BatchCounts> {
  return new Promise((resolve, reject) => {
    queue.push({ events, resolve, reject });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}

function takeGroup(): Job[] {
  let size = 0;
  let count = 0;
  while (count < queue.length && (count === 0 || size + queue[count].events.length <= MAX_GROUP_EVENTS)) {
    size += queue[count].events.length;
    count++;
  }
  return queue.splice(0, count);
}

function flush() {
  const jobs = takeGroup();
  scheduled = queue.length > 0;
  if (scheduled) setImmediate(flush);

  const hub = getHub();
  let applied: ReturnType<typeof applyBatches>;
  try {
    applied = applyBatches(
      ingestStoreFor(getDb().sqlite),
      jobs.map((job) => job.events),
      { watching: (id) => hub?.watching(id) ?? false },
    );
  } catch (error) {
    for (const job of jobs) job.reject(error);
    return;
  }
  // Committed: answer first, then push. The push reads what was stored and may fail on it; that
  // must never leave a request unanswered or stop the next group.
  jobs.forEach((job, i) => job.resolve(applied.counts[i]));
  try {
    hub?.publish(applied.changes);
  } catch (error) {
    getLog().error({ err: error }, "live push failed");
  }
}
