import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connected, connectSocket, eventId, getJson, once, postEvents, type WireEvent } from "../support/client";
import type { SessionDetail } from "../../lib/sessions/detail";
import Database from "better-sqlite3";
import { deflateSync, gzipSync } from "node:zlib";
import { startServer, type TestServer } from "../support/server";
import { launchBrowser, signIn } from "../support/browser";

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

describe("structures nested deeper than JSON.stringify can follow", () => {
  test("5,000 levels of permission metadata, tool input or answers are stored cut at a depth, not an internal error", async () => {
    const sessionID = "ses_hardDeep";
    const deep = '{"a":'.repeat(5000) + "1" + "}".repeat(5000);
    const wire = (type: string, properties: string) =>
      `{"id":"${eventId()}","type":"${type}","hostname":"host-h","directory":"/srv/h","time":${Date.now()},"properties":${properties}}`;
    const raw = `{"events":[${[
      wire(
        "permission.asked",
        `{"id":"per_hardDeep","sessionID":"${sessionID}","permission":"edit","patterns":["a"],"metadata":${deep}}`,
      ),
      wire(
        "message.part.updated",
        `{"part":{"id":"prt_hardDeep","sessionID":"${sessionID}","messageID":"msg_hardDeep","type":"tool","tool":"bash","state":{"status":"completed","input":${deep}}}}`,
      ),
      wire("question.replied", `{"sessionID":"${sessionID}","requestID":"que_hardDeep","answers":${deep}}`),
    ].join(",")}]}`;
    const res = await postEvents(server, null, { raw });
    assert.equal(res.status, 202, res.text.slice(0, 300));
    const detail = await readsBack(sessionID);
    const tool = detail.timeline.entries.find((e) => e.kind === "tool");
    assert.ok(tool?.input && tool.input.length < 20_000, "the tool's input is kept, cut");
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

describe("times inside an event", () => {
  test("message, part, stream and session times far ahead are clamped and counted, and every page reads back", async () => {
    const clampedSeries = "opencode_dashboard_event_times_clamped_total";
    const before = await metric(clampedSeries);
    const sessionID = "ses_hardInnerTimes";
    const far = 1e308;
    const res = await postEvents(server, {
      events: [
        event("session.updated", { info: { id: sessionID, title: "t", time: { created: far, updated: YEAR_3000 } } }),
        event("message.updated", {
          info: {
            id: "msg_hardInner",
            sessionID,
            role: "assistant",
            modelID: "m",
            providerID: "p",
            time: { created: YEAR_3000, completed: far },
            tokens: { input: 1 },
          },
        }),
        event("message.part.updated", {
          part: {
            id: "prt_hardText",
            sessionID,
            messageID: "msg_hardInner",
            type: "text",
            text: "hi",
            time: { start: far, end: far },
          },
        }),
        event("message.part.updated", {
          part: {
            id: "prt_hardTool",
            sessionID,
            messageID: "msg_hardInner",
            type: "tool",
            tool: "bash",
            state: { status: "completed", time: { start: far, end: YEAR_3000 } },
          },
        }),
        event("message.part.updated", {
          time: far,
          part: { id: "prt_hardSub", sessionID, messageID: "msg_hardInner", type: "subtask", description: "d" },
        }),
        event("message.part.delta", {
          sessionID,
          partID: "prt_hardDelta",
          messageID: "msg_hardInner",
          text: "x",
          start: far,
        }),
      ],
    });
    assert.equal(res.status, 202, res.text);
    assert.equal(await metric(clampedSeries), before + 10);
    const limit = Date.now() + 60_000;
    const detail = await readsBack(sessionID);
    assert.ok(detail.session.createdAt <= limit, "the session is not created in the future");
    for (const entry of detail.timeline.entries) assert.ok(entry.time <= limit, `${entry.key} is not dated ahead`);
    for (const message of detail.messages) assert.ok(message.createdAt <= limit, "nor is its message");
  });

  test("times past what a Date holds, stored before times were bounded, leave the session's page, board and exports working", async () => {
    const sessionID = "ses_hardStoredFar";
    const now = Date.now();
    const res = await postEvents(server, {
      events: [
        event("message.updated", {
          info: { id: "msg_hardStoredFar", sessionID, role: "assistant", time: { created: now, completed: now } },
        }),
        event("message.part.updated", {
          part: {
            id: "prt_hardStoredFar",
            sessionID,
            messageID: "msg_hardStoredFar",
            type: "text",
            text: "hi",
            time: { start: now, end: now },
          },
        }),
      ],
    });
    assert.equal(res.status, 202, res.text);
    const db = new Database(server.databasePath);
    try {
      db.prepare("UPDATE timeline SET time = 1e308, end_time = 1e308 WHERE session_id = ?").run(sessionID);
      db.prepare("UPDATE messages SET created_at = 1e308, completed_at = 1e308 WHERE session_id = ?").run(sessionID);
      db.prepare("UPDATE sessions SET created_at = 1e308, last_activity_at = 1e308 WHERE id = ?").run(sessionID);
    } finally {
      db.close();
    }
    await readsBack(sessionID);
    const browser = await launchBrowser();
    try {
      const page = await signIn(await browser.newContext(), server.url, server.password);
      for (const path of ["/", `/sessions/${sessionID}`]) {
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        assert.equal((await page.goto(`${server.url}${path}`))?.status(), 200, path);
        await page.waitForLoadState("networkidle");
        assert.deepEqual(errors, [], path);
        page.removeAllListeners("pageerror");
      }
    } finally {
      await browser.close();
    }
  });

  test("a message dated 1970 (a machine whose clock is not set yet) does not make the daily series 20,000 days long", async () => {
    const res = await postEvents(
      server,
      event("message.updated", {
        info: { id: "msg_hardEpoch", sessionID: "ses_hardEpoch", role: "assistant", time: { created: 1 } },
      }),
    );
    assert.equal(res.status, 202, res.text);
    for (const window of ["range=all", "from=0"]) {
      const daily = await api(`/api/analytics/daily?${window}`);
      assert.equal(daily.status, 200);
      const { days } = (await daily.json()) as { days: unknown[] };
      assert.ok(days.length <= 3 * 366, `${window}: ${days.length} days`);
    }
  });

  test("a retry's next attempt past what a date holds is a 400 naming it; fractions of a millisecond are dropped", async () => {
    const sessionID = "ses_hardRetryNext";
    const res = await postEvents(
      server,
      event("session.status", { sessionID, status: { type: "retry", attempt: 1, next: 1e308 } }),
    );
    assert.equal(res.status, 400);
    assert.equal(res.json.rejected[0].field, "properties.status.next");
    const at = Date.now() - 1000.5;
    assert.equal((await postEvents(server, event("session.idle", { sessionID }, { time: at }))).status, 202);
    const detail = await readsBack(sessionID);
    assert.equal(detail.session.lastActivityAt, Math.round(at));
  });
});

describe("text and lists inside an event are bounded", () => {
  const huge = "w".repeat(900_000);

  test("a retry message and an error name of 900 KB are shortened; the board's row stays small", async () => {
    const sessionID = "ses_hardRetryText";
    const res = await postEvents(server, {
      events: [
        event("session.error", { sessionID: "ses_hardErrorName", error: { name: huge.slice(500_000) } }),
        event("session.status", { sessionID, status: { type: "retry", attempt: 1, message: huge.slice(500_000) } }),
      ],
    });
    assert.equal(res.status, 202, res.text);
    const retry = await readsBack(sessionID);
    assert.ok((retry.session.retry?.message?.length ?? 0) <= 2000, "the retry message is shortened");
    const error = await readsBack("ses_hardErrorName");
    const entry = error.timeline.entries.find((e) => e.kind === "error");
    assert.ok(entry?.title && entry.title.length <= 200, "the error's name is shortened");
    const list = await api("/api/sessions?limit=200");
    assert.ok((await list.text()).length < 200_000, "the session list stays small");
  });

  test("a todo list of 480 long items keeps its first 100 and counts the rest, and only the fields it shows", async () => {
    const sessionID = "ses_hardTodos";
    const todos = Array.from({ length: 480 }, (_, i) => ({
      content: `${i} ${"c".repeat(1490)}`,
      status: "pending",
      // A field nobody shows is not stored, whatever its size.
      note: "n".repeat(i === 0 ? 200_000 : 0),
    }));
    assert.equal((await postEvents(server, event("todo.updated", { sessionID, todos }))).status, 202);
    const detail = await readsBack(sessionID);
    const items = detail.todos?.items as { content: string; status: string }[];
    assert.equal(items.length, 101);
    assert.deepEqual(items[100], { content: "+380 more", status: "more" });
    assert.deepEqual(Object.keys(items[0]).sort(), ["content", "status"]);
  });

  test("a file part's URL past a path's length is not kept", async () => {
    const sessionID = "ses_hardFileUrl";
    const part = (id: string, url: string) =>
      event("message.part.updated", {
        part: { id, sessionID, messageID: "msg_hardFileUrl", type: "file", filename: "a.txt", url, mime: "text/plain" },
      });
    const res = await postEvents(server, {
      events: [part("prt_hardUrlLong", `https://example.test/${huge}`), part("prt_hardUrlOk", "file:///srv/a.txt")],
    });
    assert.equal(res.status, 202, res.text);
    const detail = await readsBack(sessionID);
    const url = (key: string) =>
      (detail.timeline.entries.find((e) => e.key === key)?.data as { url: string | null }).url;
    assert.equal(url("prt_hardUrlLong"), null);
    assert.equal(url("prt_hardUrlOk"), "file:///srv/a.txt");
  });

  test("a step-finish part's tokens and cost are held to a message's bounds", async () => {
    const stepFinish = (extra: Record<string, unknown>) =>
      event("message.part.updated", {
        part: {
          id: "prt_hardStep",
          sessionID: "ses_hardStep",
          messageID: "msg_hardStep",
          type: "step-finish",
          ...extra,
        },
      });
    const tokens = await postEvents(server, stepFinish({ tokens: { input: 1, cache: { read: 5e18 } } }));
    assert.equal(tokens.status, 400);
    assert.equal(tokens.json.rejected[0].field, "properties.part.tokens.cache.read");
    const cost = await postEvents(server, stepFinish({ cost: 1e308 }));
    assert.equal(cost.status, 400);
    assert.equal(cost.json.rejected[0].field, "properties.part.cost");
  });
});

describe("an id claimed by a second session or message", () => {
  async function refused(body: WireEvent, field: string) {
    const series = `opencode_dashboard_event_conflicts_total{field="${field}"}`;
    const before = await metric(series);
    const res = await postEvents(server, body);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.rejected[0].field, field);
    assert.equal(await metric(series), before + 1);
  }

  test("a permission or question id asked or answered in a second session is refused; the first stays blocked", async () => {
    const ask = (sessionID: string, pattern: string) =>
      event("permission.asked", { id: "per_hardShared", sessionID, permission: "bash", patterns: [pattern] });
    assert.equal((await postEvents(server, ask("ses_hardPermA", "ls"))).status, 202);
    await refused(ask("ses_hardPermB", "rm -rf /"), "properties.id");
    await refused(
      event("permission.replied", { sessionID: "ses_hardPermB", requestID: "per_hardShared", reply: "once" }),
      "properties.requestID",
    );
    const question = { questions: [{ question: "Which?", options: [{ label: "a" }] }] };
    assert.equal(
      (
        await postEvents(
          server,
          event("question.asked", { id: "que_hardShared", sessionID: "ses_hardPermA", ...question }),
        )
      ).status,
      202,
    );
    await refused(
      event("question.rejected", { sessionID: "ses_hardPermB", requestID: "que_hardShared" }),
      "properties.requestID",
    );
    const a = await readsBack("ses_hardPermA");
    assert.equal(a.session.attention?.reason, "permission");
    assert.equal(a.session.attention?.detail, "bash: ls");
    assert.deepEqual(
      a.pending.map((p) => p.id),
      ["per_hardShared", "que_hardShared"],
    );
  });

  test("a part put in another session's message, or whose id another session or message holds, is refused; so is removing either through another session", async () => {
    const now = Date.now();
    const text = (id: string, sessionID: string, messageID: string, body: string) =>
      event("message.part.updated", {
        part: { id, sessionID, messageID, type: "text", text: body, time: { start: now, end: now } },
      });
    const res = await postEvents(server, {
      events: [
        event("message.updated", {
          info: { id: "msg_hardPartA", sessionID: "ses_hardPartA", role: "user", time: { created: now } },
        }),
        text("prt_hardPartA", "ses_hardPartA", "msg_hardPartA", "mine"),
      ],
    });
    assert.equal(res.status, 202, res.text);
    await refused(text("prt_hardPartB", "ses_hardPartB", "msg_hardPartA", "theirs"), "properties.part.messageID");
    await refused(text("prt_hardPartA", "ses_hardPartB", "msg_hardPartB", "theirs"), "properties.part.id");
    await refused(text("prt_hardPartA", "ses_hardPartA", "msg_hardPartOther", "moved"), "properties.part.id");
    await refused(
      event("message.part.delta", {
        sessionID: "ses_hardPartB",
        partID: "prt_hardPartA",
        messageID: "msg_hardPartB",
        text: "streamed",
      }),
      "properties.partID",
    );
    await refused(
      event("message.part.removed", { sessionID: "ses_hardPartB", partID: "prt_hardPartA" }),
      "properties.partID",
    );
    await refused(
      event("message.removed", { sessionID: "ses_hardPartB", messageID: "msg_hardPartA" }),
      "properties.messageID",
    );
    const a = await readsBack("ses_hardPartA");
    const entry = a.timeline.entries.find((e) => e.key === "prt_hardPartA");
    assert.equal(entry?.text, "mine");
    assert.equal(entry?.messageId, "msg_hardPartA");
  });
});

describe("a session started under another host's session", () => {
  test("is refused naming properties.info.parentID, and counted; the parent lists no such child", async () => {
    const series = 'opencode_dashboard_event_conflicts_total{field="properties.info.parentID"}';
    const before = await metric(series);
    const info = (id: string, parentID?: string) => ({ info: { id, parentID, title: id, time: { created: 1 } } });
    assert.equal((await postEvents(server, event("session.created", info("ses_hardParentA")))).status, 202);
    const res = await postEvents(
      server,
      event("session.created", info("ses_hardChildB", "ses_hardParentA"), { hostname: "host-other" }),
    );
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.rejected[0].field, "properties.info.parentID");
    assert.equal(await metric(series), before + 1);
    const parent = await readsBack("ses_hardParentA");
    assert.deepEqual(parent.children, []);
    // The same machine's subagent is its child, as before.
    assert.equal(
      (await postEvents(server, event("session.created", info("ses_hardChildA", "ses_hardParentA")))).status,
      202,
    );
    assert.deepEqual(
      (await readsBack("ses_hardParentA")).children.map((c) => c.id),
      ["ses_hardChildA"],
    );
  });
});

describe("ids in the dashboard's routes", () => {
  test("an id not in OpenCode's shape is a 400 naming the parameter on every route", async () => {
    const bad = ["a.b", "%F0%9F%98%80", "a%2Fb", "ses_%00", "x".repeat(300)];
    for (const id of bad) {
      for (const [route, field] of [
        [`/api/sessions/${id}`, "id"],
        [`/api/sessions/${id}/export`, "id"],
        [`/api/sessions/ses_hardRoute/permissions/${id}`, "permissionId"],
        [`/api/commands/${id}`, "commandId"],
        [`/api/control?ids=ses_ok,${id}`, "ids.1"],
        [`/api/audit?session=${id}`, "session"],
      ] as const) {
        const method = route.includes("/permissions/") ? "POST" : "GET";
        const res = await fetch(`${server.url}${route}`, {
          method,
          headers: { "x-api-key": server.password, "content-type": "application/json" },
          body: method === "POST" ? JSON.stringify({ reply: "once" }) : undefined,
        });
        const json = (await res.json()) as { error: { message: string }; field?: string };
        assert.equal(res.status, 400, `${route.slice(0, 80)}: ${json.error.message.slice(0, 200)}`);
        assert.equal(json.field, field, route.slice(0, 80));
        assert.ok(json.error.message.length < 300, "the bad id is not echoed back whole");
      }
    }
  });
});

describe("body encodings", () => {
  const body = (sessionID: string) => Buffer.from(JSON.stringify(event("session.idle", { sessionID })));

  test("bytes that are not UTF-8 are a 400, and nothing garbled is stored", async () => {
    const bytes = Buffer.from(
      JSON.stringify(event("session.updated", { info: { id: "ses_hardLatin", title: "caf__", time: { created: 1 } } })),
    );
    bytes.write("\xe9\xff", bytes.indexOf("__"), "latin1");
    const res = await postEvents(server, null, {
      raw: new Uint8Array(bytes),
      contentType: "application/json; charset=utf-8",
    });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /UTF-8/);
    assert.equal((await api("/api/sessions/ses_hardLatin")).status, 404);
  });

  test("a UTF-8 byte order mark is let through", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body("ses_hardBom")]);
    const res = await postEvents(server, null, { raw: new Uint8Array(bytes) });
    assert.equal(res.status, 202, res.text);
  });

  test("a compressed body is a 415 naming Content-Encoding, whatever its charset", async () => {
    for (const [encoding, bytes] of [
      ["gzip", gzipSync(body("ses_hardGzip"))],
      ["deflate", deflateSync(body("ses_hardGzip"))],
      ["br", body("ses_hardGzip")],
    ] as const) {
      for (const contentType of ["application/json", "application/json; charset=utf-8"]) {
        const res = await postEvents(server, null, {
          raw: new Uint8Array(bytes),
          contentType,
          headers: { "content-encoding": encoding },
        });
        assert.equal(res.status, 415, `${encoding} ${contentType}: ${res.text}`);
        assert.match(res.json.error.message, /Content-Encoding/);
      }
    }
    assert.equal((await api("/api/sessions/ses_hardGzip")).status, 404);
  });
});

describe("long words on every page (Chromium, 1280 px)", () => {
  /** An unbroken word as long as the field may be (900 characters where its bound allows). */
  const word = (c: string, max = 900) => c.repeat(max);
  const host = word("h", 255);
  const at = (type: string, properties: Record<string, unknown>) =>
    event(type, properties, { hostname: host, directory: `/${word("d")}` });

  function wideSession(id: string) {
    const now = Date.now();
    const message = "msg_" + id.slice(4);
    const part = (suffix: string, fields: Record<string, unknown>) =>
      at("message.part.updated", {
        part: { id: `prt_${id.slice(4)}${suffix}`, sessionID: id, messageID: message, ...fields },
      });
    return [
      at("session.created", {
        info: {
          id,
          title: word("T"),
          directory: `/${word("d")}`,
          projectID: word("p", 200),
          agent: word("a", 200),
          model: { id: word("m", 200), providerID: word("P", 200) },
          time: { created: now - 10_000 },
        },
      }),
      at("message.updated", {
        info: {
          id: message,
          sessionID: id,
          role: "assistant",
          modelID: word("m", 200),
          providerID: word("P", 200),
          agent: word("a", 200),
          time: { created: now - 9000, completed: now - 1000 },
          tokens: { input: 10 },
          cost: 0.01,
          error: { name: word("E", 200), data: { message: word("e") } },
        },
      }),
      part("t", {
        type: "tool",
        tool: word("t", 200),
        state: { status: "completed", title: word("L", 500), input: { command: word("c") }, output: word("O") },
      }),
      part("x", { type: "text", text: word("A"), time: { start: now - 8000, end: now - 7000 } }),
      part("f", { type: "file", filename: word("f", 500), url: `file:///${word("u")}`, mime: "text/plain" }),
      part("p", { type: "patch", hash: "h", files: [word("x")] }),
      part("s", { type: "subtask", description: word("D", 500), prompt: word("q"), agent: word("a", 200) }),
      part("r", { type: "retry", attempt: 3, error: { name: word("N", 200), data: { message: word("M") } } }),
      at("session.diff", { sessionID: id, diff: [{ file: word("g"), additions: 1, deletions: 2 }] }),
      at("todo.updated", { sessionID: id, todos: [{ content: word("z"), status: "pending" }] }),
      at("command.executed", { sessionID: id, name: word("n", 200), arguments: word("k") }),
      at("session.error", { sessionID: id, error: { name: word("E", 200), data: { message: word("Q") } } }),
      at("question.asked", {
        id: `que_${id.slice(4)}`,
        sessionID: id,
        questions: [
          { question: word("J"), header: word("H", 500), options: [{ label: word("l"), description: word("i") }] },
        ],
      }),
      at("permission.asked", {
        id: `per_${id.slice(4)}`,
        sessionID: id,
        permission: word("X", 200),
        patterns: [word("Y")],
        metadata: { command: word("Z") },
      }),
      at("dashboard.heartbeat", { opencodeVersion: word("o", 200), pluginVersion: word("g", 200), control: "full" }),
    ];
  }

  test("no page is wider than the window with a 900-character word in each field", async () => {
    for (const e of [...wideSession("ses_hardWide"), ...wideSession("ses_hardWideRetry")]) {
      const res = await postEvents(server, e);
      assert.equal(res.status, 202, `${e.type}: ${res.text}`);
    }
    const retry = at("session.status", {
      sessionID: "ses_hardWideRetry",
      status: { type: "retry", attempt: 2, message: word("S"), next: Date.now() + 60_000 },
    });
    assert.equal((await postEvents(server, retry)).status, 202);

    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await signIn(context, server.url, server.password);
      for (const path of [
        "/",
        "/sessions/ses_hardWide",
        "/sessions/ses_hardWideRetry",
        "/analytics?range=all",
        "/analytics?range=7d",
        "/instances",
      ]) {
        const res = await page.goto(`${server.url}${path}`);
        assert.equal(res?.status(), 200, path);
        await page.waitForLoadState("networkidle");
        // Tool calls and timeline details open, as a reader would open them.
        await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 1280, `${path} is ${width} px wide`);
      }
    } finally {
      await browser.close();
    }
  });
});
