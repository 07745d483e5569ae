import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connected, connectSocket, eventId, getJson, once, postEvents, type WireEvent } from "../support/client";
import type { SessionDetail } from "../../lib/sessions/detail";
import { startServer, type TestServer } from "../support/server";

/** Ordinary OpenCode traffic at its edges (issue 15): none of it may break a session or the board. */

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.dispose();
});

function event(type: string, properties: Record<string, unknown>, extra: Partial<WireEvent> = {}): WireEvent {
  return { id: eventId(), type, hostname: "host-h", directory: "/srv/h", time: Date.now(), properties, ...extra };
}

const api = (route: string) => fetch(`${server.url}${route}`, { headers: { "x-api-key": server.password } });

/** The session page's data and both exports read back without error. */
async function readsBack(sessionId: string) {
  const detail = await getJson<SessionDetail>(server, `/api/sessions/${sessionId}`);
  assert.equal(detail.status, 200, `GET /api/sessions/${sessionId}`);
  assert.equal((await api(`/api/sessions/${sessionId}/export`)).status, 200, "JSON export");
  assert.equal((await api(`/api/sessions/${sessionId}/export?format=markdown`)).status, 200, "Markdown export");
  return detail.json;
}

/** A session.diff as OpenCode sends it for a large change: every file, with its patch. */
function bigDiff(sessionID: string, files: number) {
  return event("session.diff", {
    sessionID,
    diff: Array.from({ length: files }, (_, i) => ({
      file: `src/components/generated/module-${i}/index-with-a-long-name.tsx`,
      additions: 3,
      deletions: 1,
    })),
  });
}

/** An edit permission whose metadata carries the whole diff, with quotes and newlines in it. */
function bigPermission(sessionID: string, id: string) {
  const diff = Array.from({ length: 400 }, (_, i) => `+  const line${i} = "value \\"${i}\\"";\n`).join("");
  return event("permission.asked", {
    id,
    sessionID,
    permission: "edit",
    patterns: ["src/app.ts"],
    metadata: { filepath: "src/app.ts", diff },
  });
}

describe("serialized structures are capped whole, never cut", () => {
  test("a 300-file session.diff and an 8 KB+ permission diff read back through the API and both exports", async () => {
    const sessionID = "ses_hardBigDiff";
    const res = await postEvents(server, {
      events: [bigDiff(sessionID, 300), bigPermission(sessionID, "per_hardBig")],
    });
    assert.equal(res.status, 202, res.text);
    const detail = await readsBack(sessionID);
    const list = detail.fileChanges?.list ?? [];
    assert.equal(detail.fileChanges?.files, 300);
    assert.ok(list.length < 300, "the list is cut to its first files");
    const last = list.at(-1) as { file: string; more?: number };
    assert.equal(last.more, 300 - (list.length - 1), "the rest are counted");
    assert.match(last.file, /^\+\d+ more files$/);
    const permission = detail.timeline.entries.find((e) => e.kind === "permission");
    assert.equal(typeof permission?.data, "object", "the permission's data is still a structure");
  });

  test("with the session's page open, the push and the answer both happen", async () => {
    const sessionID = "ses_hardLive";
    const socket = connectSocket(server, { password: server.password });
    await connected(socket);
    try {
      socket.emit("subscribe", sessionID);
      await new Promise((r) => setTimeout(r, 50));
      const attention = once(socket, "attention", (a) => a.sessionId === sessionID && a.reason === "permission");
      const timeline = once(socket, "timeline:append", (t) => t.sessionId === sessionID);
      const res = await postEvents(server, {
        events: [bigDiff(sessionID, 300), bigPermission(sessionID, "per_hardLive")],
      });
      assert.equal(res.status, 202, res.text);
      await attention;
      const pushed = await timeline;
      assert.ok(pushed.entries.some((e) => e.kind === "diff" && Array.isArray(e.data)));
      // The commit group is not stuck: the next request is answered too.
      assert.equal((await postEvents(server, event("session.idle", { sessionID }))).status, 202);
      await readsBack(sessionID);
    } finally {
      socket.close();
    }
  });
});
