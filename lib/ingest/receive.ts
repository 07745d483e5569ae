import { countClampedTimes } from "../metrics/registry";
import type { BatchEvent } from "./batch";
import { applyGrouped } from "./group-commit";
import { MAX_BATCH_EVENTS, parseEvent, splitBody } from "./protocol";

type Rejection = { index: number; field?: string; message: string };

export type ReceiveResult =
  | { status: "invalid"; message: string }
  | { status: "too_many"; message: string }
  | { status: "done"; accepted: number; duplicates: number; ignored: number; rejected: Rejection[] };

/**
 * Validates a parsed /events body, stores the good events once committed (./group-commit.ts),
 * which also hands the changes to the live push. Bad events in a batch are reported by index;
 * the good ones stay.
 */
export async function receiveEvents(body: unknown): Promise<ReceiveResult> {
  const split = splitBody(body);
  if ("error" in split) return { status: "invalid", message: split.error };
  if (split.events.length > MAX_BATCH_EVENTS) {
    return {
      status: "too_many",
      message: `events: at most ${MAX_BATCH_EVENTS} events per request, got ${split.events.length}`,
    };
  }
  const valid: BatchEvent[] = [];
  const rejected: Rejection[] = [];
  const now = Date.now();
  let clamped = 0;
  split.events.forEach((raw, index) => {
    // Times far ahead of the server's clock are taken as now by the schema (./protocol.ts).
    const parsed = parseEvent(raw, now);
    if (parsed.ok) {
      clamped += parsed.clampedTimes;
      valid.push({ index, known: parsed.known, event: parsed.event });
    } else {
      const prefix = split.single ? "" : `events[${index}].`;
      rejected.push({ index, field: prefix + parsed.field, message: prefix + parsed.message });
    }
  });
  if (clamped > 0) countClampedTimes(clamped);
  const result = await applyGrouped(valid);
  for (const failed of result.failed) {
    // Named as the events that failed validation are: by their place in the body.
    const prefix = split.single ? "" : `events[${failed.index}].`;
    rejected.push(
      failed.field ? { index: failed.index, field: prefix + failed.field, message: prefix + failed.message } : failed,
    );
  }
  rejected.sort((a, b) => a.index - b.index);
  return {
    status: "done",
    accepted: result.accepted,
    duplicates: result.duplicates,
    ignored: result.ignored,
    rejected,
  };
}
