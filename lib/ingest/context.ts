import type { TimelineRow } from "../db/schema";
import type { AttentionChange } from "./rules/attention";

/** What one committed batch changed, for the live push. */
export type IngestChanges = {
  sessions: Set<string>;
  timeline: TimelineRow[];
  attention: Map<string, AttentionChange>;
  instances: Set<string>;
};

export function emptyChanges(): IngestChanges {
  return { sessions: new Set(), timeline: [], attention: new Map(), instances: new Set() };
}
