import type { Batch } from "../batch-state";
import { EventConflict } from "../conflict";
import type { ConflictField } from "../../metrics/registry";

/**
 * OpenCode's ids are unique: a part, a permission or a question belongs to the one session (and a
 * part to the one message) that first named it. A later claim by another is another machine's or a
 * forged one; applied, it would move an entry between timelines or answer another session's prompt.
 */

/** A part (message.part.updated, or the plugin's streamed snapshot of one) in its message and session. */
export function claimPart(
  batch: Batch,
  part: { id: string; sessionID: string; messageID: string },
  fields: { part: ConflictField; message: ConflictField },
) {
  const owner = batch.message(part.messageID)?.sessionId;
  if (owner !== undefined && owner !== part.sessionID) {
    throw new EventConflict(
      fields.message,
      `message ${part.messageID} belongs to session ${owner}, not ${part.sessionID}`,
    );
  }
  for (const held of batch.store.entryClaims(part.id)) {
    if (held.session_id !== part.sessionID) {
      throw new EventConflict(
        fields.part,
        `part ${part.id} belongs to session ${held.session_id}, not ${part.sessionID}`,
      );
    }
    if (held.message_id !== null && held.message_id !== part.messageID) {
      throw new EventConflict(
        fields.part,
        `part ${part.id} belongs to message ${held.message_id}, not ${part.messageID}`,
      );
    }
  }
}

/** A permission or question, asked or answered, in its session. */
export function claimRequest(
  batch: Batch,
  kind: "permission" | "question",
  request: { id: string; sessionID: string },
  field: ConflictField,
) {
  for (const held of batch.store.entryClaims(`${kind}:${request.id}`)) {
    if (held.session_id !== request.sessionID) {
      throw new EventConflict(
        field,
        `${kind} ${request.id} belongs to session ${held.session_id}, not ${request.sessionID}`,
      );
    }
  }
}

/** A subagent session started under a session of the same machine: another host's is none of its parents. */
export function claimParent(batch: Batch, child: { id: string; parentID?: string }, hostname: string) {
  if (!child.parentID) return;
  const host = batch.hostOf(child.parentID);
  if (host !== undefined && host !== hostname) {
    throw new EventConflict(
      "properties.info.parentID",
      `session ${child.parentID} belongs to host ${host}, not ${hostname}`,
    );
  }
}

/** A message or part removed through another session than its own: refused rather than ignored unseen. */
export function claimRemoval(batch: Batch, removal: { sessionID: string; messageID?: string; partID?: string }) {
  if (removal.messageID !== undefined) {
    const owner = batch.message(removal.messageID)?.sessionId;
    if (owner !== undefined && owner !== removal.sessionID) {
      throw new EventConflict(
        "properties.messageID",
        `message ${removal.messageID} belongs to session ${owner}, not ${removal.sessionID}`,
      );
    }
  }
  if (removal.partID !== undefined) {
    const held = batch.store.entryClaims(removal.partID).find((h) => h.session_id !== removal.sessionID);
    if (held) {
      throw new EventConflict(
        "properties.partID",
        `part ${removal.partID} belongs to session ${held.session_id}, not ${removal.sessionID}`,
      );
    }
  }
}
