import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeDb, type Db } from "../../lib/db/client";
import { applyBatches, type BatchEvent } from "../../lib/ingest/batch";
import type { IngestStore } from "../../lib/ingest/store";
import { asRequest, freshStore, wireEvent } from "../support/ingest";

/**
 * Ingest of what a blocked or streaming session is about (lib/ingest/rules/), on a real SQLite
 * file: a permission's attention names its file, and a streaming text part's snapshots (the
 * plugin's `message.part.delta` with `text`) grow its timeline entry until the final text lands.
 */
let db: Db;
let store: IngestStore;

before(async () => {
  ({ db, store } = await freshStore("streamed-text"));
});
after(() => closeDb(db));

/** Each call is one request, as the plugin's separate posts would be. */
function send(...events: BatchEvent[]) {
  const { counts } = applyBatches(store, [asRequest(events)]);
  assert.deepEqual(counts[0].failed, []);
}

const entry = (sessionId: string, key: string) =>
  db.sqlite
    .prepare("SELECT kind, text, progress, time FROM timeline WHERE session_id = ? AND key = ?")
    .get(sessionId, key) as { kind: string; text: string; progress: number; time: number } | undefined;

test("an external_directory permission's attention names the file, not only the glob", () => {
  send(
    wireEvent("permission.asked", {
      id: "per_ext",
      sessionID: "ses_ext",
      permission: "external_directory",
      patterns: ["/etc/nginx/*"],
      always: ["/etc/nginx/*"],
      metadata: { filepath: "/etc/nginx/nginx.conf", parentDir: "/etc/nginx" },
    }),
  );
  const row = db.sqlite.prepare("SELECT attention_detail FROM sessions WHERE id = ?").get("ses_ext") as {
    attention_detail: string;
  };
  assert.equal(row.attention_detail, "external_directory: /etc/nginx/nginx.conf");
});

test("text snapshots grow the part's entry; the final text wins over a late snapshot", () => {
  const ids = { sessionID: "ses_stream", messageID: "msg_stream_a", partID: "prt_stream_1" };
  const snapshot = (text: string, time: number) =>
    wireEvent("message.part.delta", { ...ids, field: "text", partType: "text", start: 900, text }, time);
  const updated = (text: string, span: { start: number; end?: number }, time: number) =>
    wireEvent(
      "message.part.updated",
      { part: { id: ids.partID, messageID: ids.messageID, sessionID: ids.sessionID, type: "text", text, time: span } },
      time,
    );
  // OpenCode opens the part with an empty text, which shows nothing yet.
  send(updated("", { start: 900 }, 900));
  assert.equal(entry(ids.sessionID, ids.partID), undefined);

  send(snapshot("Done", 1000));
  assert.deepEqual(entry(ids.sessionID, ids.partID), { kind: "text", text: "Done", progress: 1, time: 900 });
  send(snapshot("Done with the tool", 1250));
  assert.equal(entry(ids.sessionID, ids.partID)?.text, "Done with the tool");

  send(updated("Done with the tool: all good.", { start: 900, end: 1400 }, 1400));
  send(snapshot("Done with the tool: all", 1300)); // delivered late
  assert.deepEqual(entry(ids.sessionID, ids.partID), {
    kind: "text",
    text: "Done with the tool: all good.",
    progress: 2,
    time: 900,
  });
});

test("a delta without text (an older plugin's typing marker) stores nothing", () => {
  send(
    wireEvent("message.part.delta", {
      sessionID: "ses_marker",
      messageID: "msg_marker",
      partID: "prt_marker",
      field: "text",
    }),
  );
  assert.equal(entry("ses_marker", "prt_marker"), undefined);
});
