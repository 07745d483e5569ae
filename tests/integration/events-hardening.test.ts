import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connected, connectSocket, eventId, getJson, once, postEvents, type WireEvent } from "../support/client";
import type { SessionDetail } from "../../lib/sessions/detail";
import Database from "better-sqlite3";
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
    assert.ok(list.length > 0 && list.length < 300, "the list is cut to its first files; `files` still counts all");
    assert.ok(
      list.every((f) => /^src\//.test(f.file)),
      "only real files are listed (no summing item)",
    );
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

describe("counts and costs", () => {
  test("tokens past a billion are a 400 naming the field, in the rejected[] shape", async () => {
    const res = await postEvents(server, {
      events: [
        event("message.updated", {
          info: {
            id: "msg_hardBig",
            sessionID: "ses_hardTokens",
            role: "assistant",
            time: { created: 1 },
            tokens: { input: 5e18 },
          },
        }),
      ],
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.rejected[0].index, 0);
    assert.equal(res.json.rejected[0].field, "events[0].properties.info.tokens.input");
    assert.match(res.json.rejected[0].message, /tokens\.input/);
  });

  test("sums past 2^63 (stored before the bound) leave every analytics route and the CSV working", async () => {
    const sessionID = "ses_hardOverflow";
    const messages = ["msg_hardOver1", "msg_hardOver2"].map((id) =>
      event("message.updated", {
        info: { id, sessionID, role: "assistant", time: { created: Date.now() }, tokens: { input: 1 }, cost: 1 },
      }),
    );
    assert.equal((await postEvents(server, { events: messages })).status, 202);
    const db = new Database(server.databasePath);
    try {
      const huge = 5_000_000_000_000_000_000n; // two of them overflow SQLite's 64-bit integer sum
      db.prepare("UPDATE messages SET tokens_input = ? WHERE session_id = ?").run(huge, sessionID);
      db.prepare("UPDATE sessions SET tokens_input = ? WHERE id IN (?, ?)").run(huge, sessionID, "ses_hardLive");
    } finally {
      db.close();
    }
    for (const route of ["summary", "daily", "hosts", "models", "projects"]) {
      for (const window of [
        "range=all",
        "range=7d",
        `from=${Date.now() - 400 * 86_400_000}&to=${Date.now() + 60_000}`,
      ]) {
        const res = await api(`/api/analytics/${route}?${window}`);
        assert.equal(res.status, 200, `${route}?${window}: ${await res.text()}`);
      }
    }
    assert.equal((await api("/api/export/usage.csv?range=all")).status, 200);
    assert.equal((await api("/api/instances")).status, 200);
  });
});

describe("fields are checked at the edge", () => {
  test("a 900 KB title is stored shortened", async () => {
    const sessionID = "ses_hardTitle";
    const res = await postEvents(
      server,
      event("session.updated", { info: { id: sessionID, title: "t".repeat(900_000), time: { created: 1 } } }),
    );
    assert.equal(res.status, 202, res.text);
    const detail = await readsBack(sessionID);
    assert.ok(detail.session.title && detail.session.title.length <= 500);
  });

  test("session ids `.` and `..` are refused", async () => {
    for (const id of [".", ".."]) {
      const res = await postEvents(server, event("session.idle", { sessionID: id }));
      assert.equal(res.status, 400);
      assert.equal(res.json.rejected[0].field, "properties.sessionID");
    }
  });

  test("a tool part whose state.title is an object is a 400 naming it, not an internal error", async () => {
    const res = await postEvents(
      server,
      event("message.part.updated", {
        part: {
          id: "prt_hardTool",
          sessionID: "ses_hardTool",
          messageID: "msg_hardTool",
          type: "tool",
          tool: "bash",
          state: { status: "completed", title: { x: 1 } },
        },
      }),
    );
    assert.equal(res.status, 400);
    assert.equal(res.json.rejected[0].field, "properties.part.state.title");
    assert.doesNotMatch(res.json.error.message, /internal error/);
  });
});

const YEAR_3000 = Date.UTC(3000, 0, 1);

async function metric(series: string) {
  const text = await (await api("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  assert.ok(line, `${series} is exposed`);
  return Number(line.slice(series.length + 1));
}

describe("data that would lie", () => {
  test("times far ahead of the server's clock are clamped and counted: busy in year 3000 then idle now ends idle", async () => {
    const clampedSeries = "opencode_dashboard_event_times_clamped_total";
    const before = await metric(clampedSeries);
    const sessionID = "ses_hardFuture";
    const busy = event("session.status", { sessionID, status: { type: "busy" } }, { time: YEAR_3000 });
    assert.equal((await postEvents(server, busy)).status, 202);
    const idle = event("session.status", { sessionID, status: { type: "idle" } }, { time: Date.now() + 1000 });
    assert.equal((await postEvents(server, idle)).status, 202);
    const detail = await readsBack(sessionID);
    assert.equal(detail.session.status, "idle");
    assert.ok(detail.session.lastActivityAt <= Date.now() + 60_000, "activity is not dated in the future");

    const heartbeat = event(
      "dashboard.heartbeat",
      { pluginVersion: "1" },
      { hostname: "host-future", time: YEAR_3000 },
    );
    assert.equal((await postEvents(server, heartbeat)).status, 202);
    const db = new Database(server.databasePath, { readonly: true });
    try {
      const row = db.prepare("SELECT last_heartbeat FROM instances WHERE hostname = ?").get("host-future") as {
        last_heartbeat: number;
      };
      assert.ok(row.last_heartbeat <= Date.now(), "the heartbeat is stored as received now");
    } finally {
      db.close();
    }
    assert.equal(await metric(clampedSeries), before + 2);
  });

  test("a message id claimed by a second session is refused, naming the field, and counted; totals stay put", async () => {
    const series = 'opencode_dashboard_event_conflicts_total{field="properties.info.sessionID"}';
    const before = await metric(series);
    const message = (sessionID: string, input: number) =>
      event("message.updated", {
        info: { id: "msg_hardMoved", sessionID, role: "assistant", time: { created: 1 }, tokens: { input }, cost: 1 },
      });
    assert.equal((await postEvents(server, message("ses_hardOwnerA", 1000))).status, 202);
    const res = await postEvents(server, {
      events: [event("session.idle", { sessionID: "ses_hardOwnerB" }), message("ses_hardOwnerB", 0)],
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.accepted, 1);
    assert.equal(res.json.rejected.length, 1);
    assert.equal(res.json.rejected[0].index, 1);
    assert.equal(res.json.rejected[0].field, "events[1].properties.info.sessionID");
    const a = await readsBack("ses_hardOwnerA");
    const b = await readsBack("ses_hardOwnerB");
    assert.equal(a.session.tokens.input, 1000);
    assert.equal(a.session.cost, 1);
    assert.equal(b.session.tokens.input, 0);
    assert.equal(b.session.cost, 0);
    assert.equal(await metric(series), before + 1);
  });

  test("a session id sent by a second host is refused, naming hostname, and counted", async () => {
    const series = 'opencode_dashboard_event_conflicts_total{field="hostname"}';
    const before = await metric(series);
    const sessionID = "ses_hardTwoHosts";
    const info = (title: string) => ({ info: { id: sessionID, title, directory: "/srv/h", time: { created: 1 } } });
    assert.equal((await postEvents(server, event("session.updated", info("first")))).status, 202);
    const res = await postEvents(server, event("session.updated", info("second"), { hostname: "host-other" }));
    assert.equal(res.status, 400);
    assert.equal(res.json.rejected[0].field, "hostname");
    const detail = await readsBack(sessionID);
    assert.equal(detail.session.hostname, "host-h");
    assert.equal(detail.session.title, "first");
    assert.equal(await metric(series), before + 1);
  });

  test("a body declared in a charset other than UTF-8 is 415", async () => {
    const body = JSON.stringify(event("session.idle", { sessionID: "ses_hardCharset" }));
    for (const contentType of ["application/json; charset=iso-8859-1", 'application/json;charset="windows-1252"']) {
      const res = await postEvents(server, null, { contentType, raw: body });
      assert.equal(res.status, 415, contentType);
      assert.match(res.json.error.message, /charset/);
    }
    assert.equal(
      (await postEvents(server, null, { contentType: "application/json; charset=UTF-8", raw: body })).status,
      202,
    );
  });
});
