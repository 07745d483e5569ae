import type { IngestStore, SessionDraft } from "./store";

/**
 * The sessions' projected columns as the last ingest commit left them, so that the next batch
 * naming a session does not read it again: busy sessions are named by nearly every batch. The
 * copy is trusted only while nothing else has written to the database since that commit (the
 * store's writeMark: an API dismiss or delete, retention, the search indexer, the copy of this
 * module inside Next, another connection). Any doubt, a failed batch included, empties it.
 */
const MAX_SESSIONS = 10_000;

const caches = new WeakMap<IngestStore, { sessions: Map<string, SessionDraft>; mark: string | null }>();

/** The cached sessions for a batch about to start, emptied first if anything else wrote. */
export function sessionCache(store: IngestStore): Map<string, SessionDraft> {
  let cache = caches.get(store);
  if (!cache) {
    cache = { sessions: new Map(), mark: null };
    caches.set(store, cache);
  }
  if (cache.mark !== store.writeMark() || cache.sessions.size > MAX_SESSIONS) cache.sessions.clear();
  cache.mark = null; // trusted again only once the batch using it commits
  return cache.sessions;
}

/** After a successful commit: the cached sessions are what the database holds. */
export function sessionCacheCommitted(store: IngestStore) {
  const cache = caches.get(store);
  if (cache) cache.mark = store.writeMark();
}

/** After a failure: the cache may hold changes that were rolled back. */
export function dropSessionCache(store: IngestStore) {
  const cache = caches.get(store);
  if (cache) {
    cache.sessions.clear();
    cache.mark = null;
  }
}
