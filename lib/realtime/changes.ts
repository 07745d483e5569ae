import type { AttentionReason, CommandRow, SessionRow, TimelineRow } from "../db/schema";

/**
 * What a write changed, as the live push needs it. Ingest and the subjects' commands report
 * changes here; the publisher (./publisher.ts) turns them into socket.io messages. It imports
 * nothing but row types, so every writer can depend on it without depending on the publisher.
 */

/** A session's attention columns, named without their `attention_` prefix. */
export type Attention = {
  reason: SessionRow["attention_reason"];
  detail: SessionRow["attention_detail"];
  since: SessionRow["attention_since"];
  ref: SessionRow["attention_ref"];
};

export type AttentionChange = Attention & { sessionId: string; previous: AttentionReason | null };

/** What one committed write changed, for the live push. */
export type IngestChanges = {
  sessions: Set<string>;
  timeline: TimelineRow[];
  attention: Map<string, AttentionChange>;
  instances: Set<string>;
};

export function emptyChanges(): IngestChanges {
  return { sessions: new Set(), timeline: [], attention: new Map(), instances: new Set() };
}

/** The live push as writers see it: server.ts installs the publisher in lib/runtime.ts. */
export type Hub = {
  publish(changes: IngestChanges): void;
  sessionRemoved(sessionId: string): void;
  /** Whether any dashboard is subscribed to this session's timeline right now. */
  watching(sessionId: string): boolean;
  clientCount(): number;
  /** A dashboard command was issued or moved on (docs/control.md). */
  commandChanged(command: CommandRow): void;
  /** Plugins connected, disconnected or claimed sessions: what can be acted on changed. */
  controlChanged(): void;
  /** A login was signed out: its live sockets are closed (it could not open new ones). */
  loginEnded(loginId: string): void;
  /**
   * How many changes this process has been told about so far. A page records it before it reads
   * the database; its first socket connection compares (`sync`), so a change made while the page
   * was loading, before the socket could receive it, is caught up rather than lost.
   */
  version(): number;
};
