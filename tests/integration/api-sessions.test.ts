import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { SessionDetail } from "../../lib/sessions/detail";
import type { SessionExport } from "../../lib/sessions/export";
import type { SessionListItem } from "../../lib/sessions/list-item";
import type { SessionPage } from "../../lib/sessions/list";
import { type ApiError, connected, connectSocket, eventId, once, postEvents, type WireEvent } from "../support/client";
import { openReadOnly } from "../support/db";
import { startServer, type TestServer } from "../support/server";

/** /api/sessions and /api/sessions/:id over the real server, with data sent through POST /events. */

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.dispose();
});

const T0 = Date.parse("2026-05-01T12:00:00Z");

type Place = { hostname?: string; directory?: string };
const ev = (type: string, properties: Record<string, unknown>, time: number, place: Place = {}): WireEvent => ({
  id: eventId(),
  type,
  hostname: place.hostname ?? "api-host",
  directory: place.directory ?? "/srv/api",
  time,
  properties,
});
const created = (
  id: string,
  time: number,
  info: { title?: string; directory?: string; parentID?: string } = {},
  place: Place = {},
) =>
  ev(
    "session.created",
    {
      info: {
        id,
        title: info.title ?? `Session ${id}`,
        directory: info.directory ?? place.directory ?? "/srv/api",
        parentID: info.parentID,
        time: { created: time, updated: time },
      },
    },
    time,
    place,
  );
const userMessage = (sessionID: string, id: string, time: number, place: Place = {}) =>
  ev("message.updated", { info: { id, sessionID, role: "user", time: { created: time } } }, time, place);
const assistantMessage = (sessionID: string, id: string, time: number, cost: number, place: Place = {}) =>
  ev(
    "message.updated",
    {
      info: {
        id,
        sessionID,
        role: "assistant",
        providerID: "anthropic",
        modelID: "claude-sonnet",
        agent: "build",
        cost,
        tokens: { input: 100, output: 50, reasoning: 5, cache: { read: 10, write: 1 } },
        time: { created: time, completed: time + 500 },
      },
    },
    time,
    place,
  );
const textPart = (
  sessionID: string,
  messageID: string,
  id: string,
  text: string,
  time: number,
  type = "text",
  place: Place = {},
) =>
  ev(
    "message.part.updated",
    { part: { id, sessionID, messageID, type, text, time: { start: time, end: time + 100 } } },
    time,
    place,
  );
const toolPart = (sessionID: string, messageID: string, id: string, output: string, time: number) =>
  ev(
    "message.part.updated",
    {
      part: {
        id,
        sessionID,
        messageID,
        type: "tool",
        tool: "bash",
        callID: `call_${id}`,
        state: {
          status: "completed",
          input: { command: "ls" },
          output,
          title: "ls",
          time: { start: time, end: time + 10 },
        },
      },
    },
    time,
  );
const status = (sessionID: string, type: "busy" | "idle" | "retry", time: number, place: Place = {}) =>
  ev(
    "session.status",
    {
      sessionID,
      status: { type, ...(type === "retry" ? { attempt: 1, message: "rate limited", next: time + 1000 } : {}) },
    },
    time,
    place,
  );

async function send(events: WireEvent[]) {
  const res = await postEvents(server, { events });
  assert.equal(res.status, 202, JSON.stringify(res.json));
}

/** `T` is what the route answers on success; typed as if `error` were there too, a test asserts the one it expects. */
async function api<T = SessionPage>(route: string, init: RequestInit & { key?: string | null } = {}) {
  const key = init.key === undefined ? server.password : init.key;
  const headers: Record<string, string> = key === null ? {} : { "x-api-key": key };
  const res = await fetch(`${server.url}${route}`, { ...init, headers });
  const text = await res.text();
  let json: T & ApiError;
  try {
    json = JSON.parse(text) as T & ApiError;
  } catch {
    json = undefined as unknown as T & ApiError;
  }
  return { status: res.status, json, text, headers: res.headers };
}

type Answer<T> = Awaited<ReturnType<typeof api<T>>>;

const ids = (res: { json: SessionPage }) => res.json.sessions.map((s) => s.id);

describe("authentication", () => {
  const routes: [string, string][] = [
    ["GET", "/api/sessions"],
    ["GET", "/api/sessions/ses_none"],
    ["PATCH", "/api/sessions/ses_none/dismiss"],
    ["DELETE", "/api/sessions/ses_none"],
    ["GET", "/api/analytics/summary"],
    ["GET", "/api/instances"],
    ["GET", "/api/export/usage.csv"],
  ];
  test("no key is 401, a wrong key 401, the plugin key 403, each as JSON", async () => {
    for (const [method, route] of routes) {
      const none = await api(route, { method, key: null });
      assert.equal(none.status, 401, `${method} ${route}`);
      assert.equal(none.json.error.code, "unauthorized");
      assert.equal((await api(route, { method, key: "not-the-password" })).status, 401);
      // Five wrong passwords within a minute lock this client out (the login limit covers X-API-Key
      // too); the right one after each wrong one clears the count.
      assert.notEqual((await api(route, { method })).status, 401);
      const plugin = await api(route, { method, key: server.apiKey });
      assert.equal(plugin.status, 403, `${method} ${route}`);
      assert.equal(plugin.json.error.code, "forbidden");
    }
  });
  test("the dashboard password is accepted", async () => {
    assert.equal((await api("/api/sessions")).status, 200);
    assert.equal((await api("/api/instances")).status, 200);
  });
  test("an unknown /api path is a JSON 404 (after authentication)", async () => {
    assert.equal((await api("/api/nothing/here", { key: null })).status, 401);
    const res = await api("/api/nothing/here");
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, "not_found");
  });
});

describe("GET /api/sessions: parameters", () => {
  const bad: [string, RegExp][] = [
    ["limit=201", /^limit: must be at most 200$/],
    ["limit=0", /^limit: must be at least 1$/],
    ["limit=ten", /^limit: /],
    [
      "status=sleeping",
      /^status: must be one or more of blocked, permission, question, error, finished, attention, working/,
    ],
    ["from=yesterday-ish", /^from: must be epoch milliseconds or an ISO 8601 date$/],
    ["cursor=not-a-cursor", /^cursor: is not a cursor this API returned$/],
    ["search=", /^search: must not be empty$/],
  ];
  for (const [query, message] of bad) {
    test(`${query} is a 400 naming the parameter`, async () => {
      const res = await api(`/api/sessions?${query}`);
      assert.equal(res.status, 400);
      assert.equal(res.json.error.code, "invalid_parameter");
      assert.match(res.json.error.message, message);
    });
  }
});

describe("GET /api/sessions: filters", () => {
  const host = { hostname: "filter-host" };
  before(async () => {
    const t = T0;
    await send([
      created("ses_f_busy", t, { title: "Busy one" }, host),
      status("ses_f_busy", "busy", t + 10, host),
      created(
        "ses_f_idle",
        t + 1000,
        { title: "Idle one", directory: "/srv/other" },
        { ...host, directory: "/srv/other" },
      ),
      status("ses_f_idle", "idle", t + 1010, host),
      created("ses_f_retry", t + 2000, { title: "Retrying" }, host),
      status("ses_f_retry", "retry", t + 2010, host),
      created("ses_f_error", t + 3000, { title: "Broken" }, host),
      ev(
        "session.error",
        { sessionID: "ses_f_error", error: { name: "APIError", data: { message: "boom" } } },
        t + 3010,
        host,
      ),
      created("ses_f_perm", t + 4000, { title: "Asking" }, host),
      status("ses_f_perm", "busy", t + 4005, host),
      ev(
        "permission.asked",
        { id: "per_f1", sessionID: "ses_f_perm", permission: "bash", patterns: ["rm -rf /tmp/x"] },
        t + 4010,
        host,
      ),
      created("ses_f_child", t + 5000, { title: "Subagent", parentID: "ses_f_busy" }, host),
      created("ses_f_other_host", t + 6000, { title: "Elsewhere" }, { hostname: "filter-other" }),
    ]);
  });

  test("root sessions of a host, newest activity first; children are left out", async () => {
    const res = await api("/api/sessions?hostname=filter-host");
    assert.equal(res.status, 200);
    assert.deepEqual(ids(res), ["ses_f_perm", "ses_f_error", "ses_f_retry", "ses_f_idle", "ses_f_busy"]);
    assert.equal(res.json.nextCursor, null);
    const busy = res.json.sessions.find((s) => s.id === "ses_f_busy");
    assert.ok(busy);
    assert.equal(busy.childCount, 1);
    assert.equal(busy.hostname, "filter-host");
    assert.equal(busy.title, "Busy one");
    const perm = res.json.sessions.find((s) => s.id === "ses_f_perm");
    assert.equal(perm?.attention?.reason, "permission");
    assert.equal(perm?.attention?.since, T0 + 4010);
  });

  test("status filters, alone and combined; attention means a flag is set; blocked is never busy", async () => {
    const by = async (q: string) => ids(await api(`/api/sessions?hostname=filter-host&status=${q}`)).sort();
    assert.deepEqual(await by("busy"), ["ses_f_busy"]);
    assert.deepEqual(await by("working"), ["ses_f_busy", "ses_f_retry"]);
    assert.deepEqual(await by("blocked"), ["ses_f_error", "ses_f_perm"]);
    assert.deepEqual(await by("permission"), ["ses_f_perm"]);
    assert.deepEqual(await by("question"), []);
    assert.deepEqual(await by("idle"), ["ses_f_idle"]);
    assert.deepEqual(await by("retry"), ["ses_f_retry"]);
    assert.deepEqual(await by("error"), ["ses_f_error"]);
    assert.deepEqual(await by("attention"), ["ses_f_error", "ses_f_perm"]);
    assert.deepEqual(await by("idle,retry"), ["ses_f_idle", "ses_f_retry"]);
  });

  test("parent: children of one session, or every session", async () => {
    assert.deepEqual(ids(await api("/api/sessions?parent=ses_f_busy")), ["ses_f_child"]);
    const any = ids(await api("/api/sessions?hostname=filter-host&parent=any"));
    assert.equal(any.length, 6);
    assert.ok(any.includes("ses_f_child"));
  });

  test("directory, and the from/to window on last activity (epoch ms or ISO)", async () => {
    assert.deepEqual(ids(await api("/api/sessions?hostname=filter-host&directory=/srv/other")), ["ses_f_idle"]);
    const from = new Date(T0 + 1000).toISOString();
    assert.deepEqual(ids(await api(`/api/sessions?hostname=filter-host&from=${from}&to=${T0 + 3011}`)), [
      "ses_f_error",
      "ses_f_retry",
      "ses_f_idle",
    ]);
  });

  test("hostname keeps other hosts out", async () => {
    assert.deepEqual(ids(await api("/api/sessions?hostname=filter-other")), ["ses_f_other_host"]);
  });
});

describe("GET /api/sessions: search", () => {
  const host = { hostname: "search-host" };
  before(async () => {
    const t = T0 + 100_000;
    await send([
      created("ses_s_title", t, { title: "Migrate the zeppelin database" }, host),
      created(
        "ses_s_dir",
        t + 1,
        { title: "Something", directory: "/home/dev/quasarproject" },
        { ...host, directory: "/home/dev/quasarproject" },
      ),
      created("ses_s_prompt", t + 2, { title: "Untitled" }, host),
      userMessage("ses_s_prompt", "msg_s_u1", t + 3, host),
      textPart("ses_s_prompt", "msg_s_u1", "prt_s_u1", "Please configure the marzipan cache", t + 4, "text", host),
      created("ses_s_reply", t + 5, { title: "Untitled" }, host),
      assistantMessage("ses_s_reply", "msg_s_a1", t + 6, 0, host),
      textPart("ses_s_reply", "msg_s_a1", "prt_s_a1", "I rewrote the Übermensch parser for you", t + 7, "text", host),
      textPart("ses_s_reply", "msg_s_a1", "prt_s_r1", "thinking about xylophone internals", t + 8, "reasoning", host),
      toolPart("ses_s_reply", "msg_s_a1", "prt_s_t1", "tool output mentions walrusoutput", t + 9),
    ]);
  });
  const search = async (q: string) =>
    ids(await api(`/api/sessions?hostname=search-host&search=${encodeURIComponent(q)}`));

  test("finds titles, directories, prompts and assistant text, by word prefix", async () => {
    assert.deepEqual(await search("zeppelin"), ["ses_s_title"]);
    assert.deepEqual(await search("quasarproj"), ["ses_s_dir"]);
    assert.deepEqual(await search("marzipan"), ["ses_s_prompt"]);
    assert.deepEqual(await search("ubermensch parser"), ["ses_s_reply"]);
    assert.deepEqual(await search("MARZ"), ["ses_s_prompt"]);
  });

  test("every word must match; reasoning and tool output are not indexed", async () => {
    assert.deepEqual(await search("marzipan zeppelin"), []);
    assert.deepEqual(await search("xylophone"), []);
    assert.deepEqual(await search("walrusoutput"), []);
  });

  test("FTS syntax in the input is plain text, and punctuation alone matches nothing", async () => {
    const res = await api(`/api/sessions?hostname=search-host&search=${encodeURIComponent('zeppelin" OR NEAR(*')}`);
    assert.equal(res.status, 200);
    assert.deepEqual(ids(res), []);
    assert.deepEqual(await search('"zeppelin"'), ["ses_s_title"]);
    assert.deepEqual(await search("!!!"), []);
  });

  test("the index follows edits: a streamed text part and a renamed session", async () => {
    const t = T0 + 200_000;
    await send([
      textPart("ses_s_reply", "msg_s_a1", "prt_s_a1", "Now it is about gondolas instead", t, "text", host),
      ev(
        "session.updated",
        {
          info: {
            id: "ses_s_title",
            title: "Renamed to pelican",
            directory: "/srv/api",
            time: { created: T0 + 100_000, updated: t },
          },
        },
        t,
        host,
      ),
    ]);
    assert.deepEqual(await search("ubermensch"), []);
    assert.deepEqual(await search("gondolas"), ["ses_s_reply"]);
    assert.deepEqual(await search("zeppelin"), []);
    assert.deepEqual(await search("pelican"), ["ses_s_title"]);
  });
});

describe("GET /api/sessions: search for a common word", () => {
  // Over 10,000 matching timeline entries switches the search to walking sessions in list order.
  const host = { hostname: "common-host" };
  const base = T0 + 500_000;
  const matching: string[] = [];
  before(async () => {
    const events: WireEvent[] = [];
    for (let s = 0; s < 66; s++) {
      const id = `ses_c_${String(s).padStart(2, "0")}`;
      const time = base + s * 10_000;
      const plain = s % 11 === 5; // a few sessions in between never say it
      const inTitle = s === 40; // one says it only in its title
      events.push(
        created(id, time, { title: inTitle ? "Ubiquitous title" : `common ${s}` }, host),
        userMessage(id, `msg_${id}`, time + 1, host),
      );
      for (let p = 0; p < 170 && !inTitle; p++) {
        events.push(
          textPart(
            id,
            `msg_${id}`,
            `prt_${id}_${p}`,
            plain ? `nothing to see ${p}` : `ubiquitous word ${p}`,
            time + 2 + p,
            "text",
            host,
          ),
        );
      }
      if (!plain) matching.push(id);
    }
    for (let i = 0; i < events.length; i += 500) await send(events.slice(i, i + 500));
    matching.reverse(); // newest activity first
  });

  test("pages through exactly the matching sessions, newest first", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Answer<SessionPage> = await api(
        `/api/sessions?hostname=common-host&search=ubiquitous&limit=7${cursor ? `&cursor=${cursor}` : ""}`,
      );
      assert.equal(res.status, 200);
      seen.push(...ids(res));
      cursor = res.json.nextCursor;
    } while (cursor);
    // Counted after the first search, which indexed everything stored before it.
    const db = openReadOnly(server.databasePath);
    const hits = db.all<{ n: number }>(
      `SELECT count(*) AS n FROM timeline_search WHERE timeline_search MATCH '"ubiquitous"*'`,
    )[0].n;
    db.close();
    assert.ok(hits > 10_000, `${hits} matching entries: enough to take the common-word plan`);
    assert.deepEqual(seen, matching);
    assert.ok(seen.includes("ses_c_40"), "a title match counts too");
    // Fewer matches (6 sessions x 170 entries) take the other plan, with the same answer shape.
    const plain = ["ses_c_60", "ses_c_49", "ses_c_38", "ses_c_27", "ses_c_16", "ses_c_05"];
    assert.deepEqual(ids(await api("/api/sessions?hostname=common-host&search=nothing%20to%20see")), plain);
  });
});

describe("GET /api/sessions: pagination", () => {
  const host = { hostname: "page-host" };
  const N = 25;
  const base = T0 + 1_000_000;
  before(async () => {
    const events: WireEvent[] = [];
    // Sessions share activity times in pairs, one pair straddling each page boundary, so the
    // id has to break ties for the cursor.
    for (let i = 0; i < N; i++)
      events.push(created(`ses_p_${String(i).padStart(2, "0")}`, base + Math.floor(i / 2) * 1000, {}, host));
    await send(events);
  });

  test("pages cover the original set exactly once while new sessions and events arrive", async () => {
    const original = ids(await api("/api/sessions?hostname=page-host&limit=200"));
    assert.equal(original.length, N);
    const page1 = await api("/api/sessions?hostname=page-host&limit=10");
    assert.equal(page1.json.sessions.length, 10);
    assert.ok(page1.json.nextCursor);

    // New sessions, and new activity on a session page 1 already showed.
    const later = base + 100_000;
    await send([
      created("ses_p_new1", later, {}, host),
      created("ses_p_new2", later + 1, {}, host),
      status(ids(page1)[3], "busy", later + 2, host),
    ]);

    const page2 = await api(`/api/sessions?hostname=page-host&limit=10&cursor=${page1.json.nextCursor}`);
    const page3 = await api(`/api/sessions?hostname=page-host&limit=10&cursor=${page2.json.nextCursor}`);
    assert.equal(page3.json.sessions.length, 5);
    assert.equal(page3.json.nextCursor, null);
    const seen = [...ids(page1), ...ids(page2), ...ids(page3)];
    assert.equal(new Set(seen).size, seen.length, "no duplicates");
    assert.deepEqual(seen, original, "no gaps, same order");

    const fresh = ids(await api("/api/sessions?hostname=page-host&limit=3"));
    assert.deepEqual(fresh, [ids(page1)[3], "ses_p_new2", "ses_p_new1"]);
  });

  test("a page of exactly the remaining rows has no next cursor", async () => {
    const res = await api("/api/sessions?hostname=page-host&parent=any&limit=200");
    assert.equal(res.json.nextCursor, null);
  });
});

describe("GET /api/sessions/:id", () => {
  const host = { hostname: "detail-host" };
  const t = T0 + 2_000_000;
  before(async () => {
    const events: WireEvent[] = [
      created("ses_d", t, { title: "Detailed" }, host),
      created("ses_d_child", t + 1, { title: "Child", parentID: "ses_d" }, host),
      userMessage("ses_d", "msg_d_u", t + 10, host),
      textPart("ses_d", "msg_d_u", "prt_d_u", "Do the thing", t + 11, "text", host),
      assistantMessage("ses_d", "msg_d_a", t + 20, 0.25, host),
    ];
    for (let i = 0; i < 30; i++)
      events.push(
        textPart(
          "ses_d",
          "msg_d_a",
          `prt_d_${String(i).padStart(2, "0")}`,
          `step ${i}`,
          t + 100 + i * 10,
          "text",
          host,
        ),
      );
    events.push(
      ev(
        "permission.asked",
        { id: "per_d", sessionID: "ses_d", permission: "edit", patterns: ["src/app.ts"] },
        t + 500,
        host,
      ),
      ev(
        "todo.updated",
        { sessionID: "ses_d", todos: [{ content: "write tests", status: "in_progress", priority: "high" }] },
        t + 510,
        host,
      ),
      ev(
        "session.diff",
        {
          sessionID: "ses_d",
          diff: [
            { file: "src/a.ts", additions: 4, deletions: 1 },
            { file: "src/b.ts", additions: 2, deletions: 0 },
          ],
        },
        t + 520,
        host,
      ),
    );
    await send(events);
  });

  test("the session with messages, children, pending request, todos and file changes", async () => {
    const res = await api<SessionDetail>("/api/sessions/ses_d");
    assert.equal(res.status, 200);
    const d = res.json;
    assert.equal(d.session.id, "ses_d");
    assert.equal(d.session.title, "Detailed");
    assert.equal(d.session.cost, 0.25);
    assert.deepEqual(
      d.messages.map((m) => [m.id, m.role]),
      [
        ["msg_d_u", "user"],
        ["msg_d_a", "assistant"],
      ],
    );
    assert.deepEqual(d.messages[1].tokens, {
      input: 100,
      output: 50,
      reasoning: 5,
      cacheRead: 10,
      cacheWrite: 1,
      total: 166,
    });
    assert.deepEqual(
      d.children.map((c) => c.id),
      ["ses_d_child"],
    );
    assert.deepEqual(
      d.pending.map((p) => [p.id, p.kind]),
      [["per_d", "permission"]],
    );
    assert.match(d.pending[0].summary, /edit/);
    assert.deepEqual(d.todos?.items, [{ content: "write tests", status: "in_progress", priority: "high" }]);
    assert.ok(d.fileChanges?.list);
    assert.equal(d.fileChanges.additions, 6);
    assert.equal(d.fileChanges.deletions, 1);
    assert.equal(d.fileChanges.files, 2);
    assert.deepEqual(
      d.fileChanges.list.map((f) => f.file),
      ["src/a.ts", "src/b.ts"],
    );
    assert.equal(d.timeline.entries[0].kind, "prompt");
    assert.equal(d.timeline.entries[0].text, "Do the thing");
  });

  test("the timeline pages through every entry once, oldest or newest first", async () => {
    const db = openReadOnly(server.databasePath);
    const stored = db.timeline("ses_d").map((r) => r.id);
    db.close();
    for (const order of ["asc", "desc"] as const) {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Answer<SessionDetail> = await api(
          `/api/sessions/ses_d?order=${order}&limit=7${cursor ? `&cursor=${cursor}` : ""}`,
        );
        assert.equal(res.status, 200);
        assert.ok(res.json.timeline.entries.length <= 7);
        seen.push(...res.json.timeline.entries.map((e) => e.id));
        cursor = res.json.timeline.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      assert.deepEqual(seen, order === "asc" ? stored : [...stored].reverse(), order);
    }
  });

  test("an unknown id is a JSON 404; bad timeline parameters are 400", async () => {
    const res = await api("/api/sessions/ses_missing");
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, "not_found");
    const bad = await api("/api/sessions/ses_d?order=sideways");
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^order: must be asc or desc$/);
    assert.match((await api("/api/sessions/ses_d?limit=1001")).json.error.message, /^limit: must be at most 1000$/);
  });
});

describe("PATCH /api/sessions/:id/dismiss", () => {
  test("clears the attention flag, stores it and pushes the change to dashboards", async () => {
    const t = T0 + 3_000_000;
    await send([
      created("ses_dismiss", t),
      status("ses_dismiss", "busy", t + 1),
      ev("permission.asked", { id: "per_x", sessionID: "ses_dismiss", permission: "bash", patterns: ["make"] }, t + 2),
    ]);
    const socket = connectSocket(server, { password: server.password });
    await connected(socket);
    try {
      const attention = once(socket, "attention", (a) => a.sessionId === "ses_dismiss");
      const upsert = once(socket, "session:upsert", (s) => s.id === "ses_dismiss" && s.attention === null);
      const res = await api<{ session: SessionListItem }>("/api/sessions/ses_dismiss/dismiss", { method: "PATCH" });
      assert.equal(res.status, 200);
      assert.equal(res.json.session.id, "ses_dismiss");
      assert.equal(res.json.session.attention, null);
      assert.deepEqual(await attention, {
        sessionId: "ses_dismiss",
        reason: null,
        detail: null,
        since: null,
        previous: "permission",
      });
      await upsert;
    } finally {
      socket.close();
    }
    const db = openReadOnly(server.databasePath);
    const row = db.session("ses_dismiss");
    db.close();
    assert.deepEqual(
      [row.attention_reason, row.attention_detail, row.attention_since, row.attention_ref],
      [null, null, null, null],
    );
  });

  test("an unknown session is 404", async () => {
    assert.equal((await api("/api/sessions/ses_nobody/dismiss", { method: "PATCH" })).status, 404);
  });
});

describe("DELETE /api/sessions/:id", () => {
  test("removes the session, its subagents at every depth and every row that hangs off them", async () => {
    const t = T0 + 4_000_000;
    const tree = ["ses_del", "ses_del_child", "ses_del_grandchild"];
    const batch: WireEvent[] = [
      created("ses_del", t, { title: "Doomed nebulosity" }),
      created("ses_del_child", t + 1, { parentID: "ses_del" }),
      created("ses_del_grandchild", t + 2, { parentID: "ses_del_child" }),
      created("ses_del_keep", t + 3, { title: "Survivor nebulosity" }),
    ];
    for (const id of tree) {
      batch.push(
        userMessage(id, `msg_${id}_u`, t + 10),
        textPart(id, `msg_${id}_u`, `prt_${id}_u`, "uniquedeletionword please", t + 11),
        assistantMessage(id, `msg_${id}_a`, t + 12, 0.1),
        textPart(id, `msg_${id}_a`, `prt_${id}_a`, "reply uniquedeletionword", t + 13),
        ev("permission.asked", { id: `per_${id}`, sessionID: id, permission: "bash", patterns: ["x"] }, t + 14),
        ev("todo.updated", { sessionID: id, todos: [{ content: "x", status: "pending" }] }, t + 15),
      );
    }
    await send(batch);
    // A search indexes what was just stored (lib/db/upkeep/search-index.ts), so it comes first.
    assert.equal(ids(await api("/api/sessions?search=uniquedeletionword&parent=any")).length, 3);
    const db = openReadOnly(server.databasePath);
    const seenBefore = db.count("events_seen");
    const ftsRows = (id: string) =>
      db.all<{ n: number }>("SELECT count(*) AS n FROM timeline_search WHERE session_id = ?", id)[0].n;
    assert.ok(ftsRows("ses_del_grandchild") > 0);

    const socket = connectSocket(server, { password: server.password });
    await connected(socket);
    const removed = Promise.all(tree.map((id) => once(socket, "session:remove", (p) => p.id === id)));
    const res = await api<{ deleted: string[] }>("/api/sessions/ses_del", { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.deepEqual([...res.json.deleted].sort(), [...tree].sort());
    await removed;
    socket.close();

    for (const table of [
      "sessions WHERE id",
      "messages WHERE session_id",
      "timeline WHERE session_id",
      "pending_requests WHERE session_id",
      "todos WHERE session_id",
      "session_search_ids WHERE session_id",
      "timeline_search WHERE session_id",
    ]) {
      const rows = db.all(`SELECT count(*) AS n FROM ${table} IN (${tree.map(() => "?").join(",")})`, ...tree)[0].n;
      assert.equal(rows, 0, `no rows left in ${table.split(" ")[0]}`);
    }
    assert.equal(db.count("session_search"), db.count("sessions"), "one title/directory entry per session");
    assert.equal(db.count("events_seen"), seenBefore, "event ids are kept");
    assert.ok(db.session("ses_del_keep"));
    db.close();
    assert.deepEqual(ids(await api("/api/sessions?search=uniquedeletionword&parent=any")), []);
    assert.deepEqual(ids(await api("/api/sessions?search=nebulosity")), ["ses_del_keep"]);

    // A replay of the same batch (a plugin's spool) does not bring it back.
    const replay = await postEvents(server, { events: batch });
    assert.equal(replay.json.duplicates, batch.length);
    assert.equal((await api("/api/sessions/ses_del")).status, 404);
  });

  test("deleting a subagent leaves its parent, whose row is pushed with one child fewer", async () => {
    const t = T0 + 4_500_000;
    await send([created("ses_del_parent", t), created("ses_del_sub", t + 1, { parentID: "ses_del_parent" })]);
    assert.equal((await api<SessionDetail>("/api/sessions/ses_del_parent")).json.session.childCount, 1);
    const socket = connectSocket(server, { password: server.password });
    await connected(socket);
    try {
      const upsert = once(socket, "session:upsert", (s) => s.id === "ses_del_parent" && s.childCount === 0);
      assert.deepEqual((await api("/api/sessions/ses_del_sub", { method: "DELETE" })).json, {
        deleted: ["ses_del_sub"],
      });
      await upsert;
    } finally {
      socket.close();
    }
    const parent = await api<SessionDetail>("/api/sessions/ses_del_parent");
    assert.equal(parent.json.session.childCount, 0);
    assert.deepEqual(parent.json.children, []);
  });

  test("an unknown session is 404", async () => {
    assert.equal((await api("/api/sessions/ses_nobody", { method: "DELETE" })).status, 404);
  });
});

describe("exports", () => {
  test("a session as JSON and Markdown attachments", async () => {
    const t = T0 + 5_000_000;
    await send([
      created("ses_exp", t, { title: "Export me: now!" }),
      userMessage("ses_exp", "msg_exp_u", t + 1),
      textPart("ses_exp", "msg_exp_u", "prt_exp_u", "What is ```three``` backticks?", t + 2),
      assistantMessage("ses_exp", "msg_exp_a", t + 3, 0.5),
      textPart("ses_exp", "msg_exp_a", "prt_exp_a", "An answer.", t + 4),
      toolPart("ses_exp", "msg_exp_a", "prt_exp_t", "file.txt", t + 5),
    ]);
    const json = await api<SessionExport>("/api/sessions/ses_exp/export");
    assert.equal(json.status, 200);
    assert.match(json.headers.get("content-type")!, /application\/json/);
    assert.equal(json.headers.get("content-disposition"), 'attachment; filename="export-me-now-ses_exp.json"');
    assert.equal(json.json.session.id, "ses_exp");
    assert.deepEqual(
      json.json.timeline.map((e) => e.kind),
      ["prompt", "text", "tool"],
    );
    assert.equal(json.json.messages.length, 2);

    const md = await api("/api/sessions/ses_exp/export?format=markdown");
    assert.equal(md.status, 200);
    assert.match(md.headers.get("content-type")!, /text\/markdown/);
    assert.equal(md.headers.get("content-disposition"), 'attachment; filename="export-me-now-ses_exp.md"');
    assert.match(md.text, /^# Export me: now!/);
    assert.match(md.text, /### User — .*\n\nWhat is ```three``` backticks\?/);
    assert.match(md.text, /### Assistant — .*\n\nAn answer\./);
    assert.match(md.text, /#### Tool `bash` \(completed\)/);

    assert.equal((await api("/api/sessions/ses_exp/export?format=pdf")).status, 400);
    assert.equal((await api("/api/sessions/ses_nope/export")).status, 404);
  });
});
