import type { AttentionReason, SessionStatus } from "../db/schema";

/** A session's state as the board's counters need it. */
export type SessionState = {
  id: string;
  parentId: string | null;
  status: SessionStatus;
  attention: AttentionReason | null;
};
