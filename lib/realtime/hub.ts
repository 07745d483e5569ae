import type { IngestChanges } from "../ingest/batch";

/** The one way route handlers reach the live push: server.ts installs it, handlers call it. */
export type Hub = {
  publish(changes: IngestChanges): void;
  sessionRemoved(sessionId: string): void;
  /** Whether any dashboard is subscribed to this session's timeline right now. */
  watching(sessionId: string): boolean;
  clientCount(): number;
};

const globalForHub = globalThis as unknown as { __ocdHub?: Hub };

export function setHub(hub: Hub | undefined) {
  globalForHub.__ocdHub = hub;
}

export function getHub(): Hub | undefined {
  return globalForHub.__ocdHub;
}
