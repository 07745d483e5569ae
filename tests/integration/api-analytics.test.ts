import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { UsageTotals } from "../../lib/analytics/queries";
import type {
  analyticsDaily,
  analyticsHosts,
  analyticsModels,
  analyticsProjects,
  analyticsSummary,
} from "../../lib/analytics/reports";
import type { InstanceSummary } from "../../lib/instances/queries";
import { type ApiError, eventId, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/**
 * /api/analytics/*, /api/instances and /api/export/usage.csv against sums the test works out
 * itself from the messages it sends through POST /events.
 */

let server: TestServer;
after(async () => {
  await server?.dispose();
});

const ev = (
  type: string,
  properties: Record<string, unknown>,
  time: number,
  hostname: string,
  directory = "/srv/x",
): WireEvent => ({
  id: eventId(),
  type,
  hostname,
  directory,
  time,
  properties,
});

async function send(events: WireEvent[]) {
  for (let i = 0; i < events.length; i += 200) {
    const res = await postEvents(server, { events: events.slice(i, i + 200) });
    assert.equal(res.status, 202, JSON.stringify(res.json));
  }
}

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type Summary = Answer<typeof analyticsSummary>;
type Models = Answer<typeof analyticsModels>;
type Hosts = Answer<typeof analyticsHosts>;
type Projects = Answer<typeof analyticsProjects>;
type Daily = Answer<typeof analyticsDaily>;

/** `T` is what the route answers on success; typed as if `error` were there too, a test asserts the one it expects. */
async function api<T = unknown>(route: string) {
  const res = await fetch(`${server.url}${route}`, { headers: { "x-api-key": server.password } });
  const text = await res.text();
  return {
    status: res.status,
    text,
    headers: res.headers,
    json: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined) as T & ApiError,
  };
}

type Msg = {
  id: string;
  session: string;
  role: "user" | "assistant";
  provider: string;
  model: string;
  created: number;
  tokens: number[];
  cost: number;
};
type Ses = { id: string; directory: string; created: number };

const HOST = "ana-host";
const DAY = 86_400_000;
const W = { from: Date.parse("2026-02-01T00:00:00Z"), to: Date.parse("2026-02-11T00:00:00Z") };
const PREV = { from: W.from - 10 * DAY, to: W.from };
const models = [
  ["anthropic", "claude-sonnet"],
  ["openai", "gpt-5"],
  ["custom", 'odd,"model"'],
];

const sessions: Ses[] = [
  { id: "ses_a_prev", directory: "/srv/ana-1", created: PREV.from + DAY },
  { id: "ses_a_1", directory: "/srv/ana-1", created: W.from + DAY },
  { id: "ses_a_2", directory: "/srv/ana-2", created: W.from + 2 * DAY },
  { id: "ses_a_late", directory: "/srv/ana-2", created: W.to + DAY },
];
const messages: Msg[] = [];
let n = 0;
for (const s of sessions) {
  for (let i = 0; i < 12; i++) {
    n++;
    const [provider, model] = models[Math.floor(n / 2) % models.length];
    const role = i % 3 === 0 ? "user" : "assistant";
    messages.push({
      id: `msg_ana_${n}`,
      session: s.id,
      role,
      provider,
      model,
      // Spread over the next 9 days, so some land on each side of a window edge.
      created: s.created + Math.floor(i * 0.75 * DAY) + n,
      tokens: role === "assistant" ? [100 + n, 20 + n, n % 7, 1000 + n, n % 3] : [0, 0, 0, 0, 0],
      cost: role === "assistant" ? Math.round(n * 1.37 * 1000) / 100_000 : 0,
    });
  }
}

function expected(w: { from: number; to: number } | null, filter: (m: Msg) => boolean = () => true) {
  const inW = (t: number) => w === null || (t >= w.from && t < w.to);
  const ms = messages.filter((m) => inW(m.created) && filter(m));
  const ass = ms.filter((m) => m.role === "assistant");
  const sum = (k: number) => ass.reduce((a, m) => a + m.tokens[k], 0);
  const tokens = { input: sum(0), output: sum(1), reasoning: sum(2), cacheRead: sum(3), cacheWrite: sum(4) };
  return {
    sessions: sessions.filter((s) => inW(s.created) && messages.some((m) => m.session === s.id && filter(m))).length,
    messages: ms.length,
    assistant: ass.length,
    tokens: {
      ...tokens,
      total: tokens.input + tokens.output + tokens.reasoning + tokens.cacheRead + tokens.cacheWrite,
    },
    cost: ass.reduce((a, m) => a + m.cost, 0),
  };
}

function assertTotals(actual: UsageTotals | undefined, want: ReturnType<typeof expected>, label: string) {
  assert.ok(actual, `${label}: missing`);
  assert.equal(actual.sessions, want.sessions, `${label}: sessions`);
  assert.equal(actual.messages, want.messages, `${label}: messages`);
  assert.deepEqual(actual.tokens, want.tokens, `${label}: tokens`);
  assert.ok(Math.abs(actual.cost - want.cost) < 1e-9, `${label}: cost ${actual.cost} != ${want.cost}`);
}

before(async () => {
  server = await startServer();
  const events: WireEvent[] = [];
  for (const s of sessions) {
    events.push(
      ev(
        "session.created",
        { info: { id: s.id, title: s.id, directory: s.directory, time: { created: s.created, updated: s.created } } },
        s.created,
        HOST,
        s.directory,
      ),
    );
  }
  for (const m of messages) {
    const info =
      m.role === "user"
        ? { id: m.id, sessionID: m.session, role: "user", time: { created: m.created } }
        : {
            id: m.id,
            sessionID: m.session,
            role: "assistant",
            providerID: m.provider,
            modelID: m.model,
            cost: m.cost,
            tokens: {
              input: m.tokens[0],
              output: m.tokens[1],
              reasoning: m.tokens[2],
              cache: { read: m.tokens[3], write: m.tokens[4] },
            },
            time: { created: m.created, completed: m.created + 1000 },
          };
    events.push(ev("message.updated", { info }, m.created, HOST));
  }
  // Another host's usage must stay out of every hostname-filtered figure.
  events.push(
    ev(
      "session.created",
      { info: { id: "ses_other", title: "x", directory: "/srv/ana-1", time: { created: W.from + 5 * DAY } } },
      W.from + 5 * DAY,
      "other-host",
      "/srv/ana-1",
    ),
  );
  events.push(
    ev(
      "message.updated",
      {
        info: {
          id: "msg_other",
          sessionID: "ses_other",
          role: "assistant",
          providerID: "openai",
          modelID: "gpt-5",
          cost: 9,
          tokens: { input: 9, output: 9, reasoning: 9, cache: { read: 9, write: 9 } },
          time: { created: W.from + 5 * DAY, completed: W.from + 5 * DAY + 1 },
        },
      },
      W.from + 5 * DAY,
      "other-host",
    ),
  );
  await send(events);
});

const window = `hostname=${HOST}&from=${new Date(W.from).toISOString()}&to=${W.to}`;

describe("GET /api/analytics/summary", () => {
  test("a window and the previous one of the same length equal the sums of the messages sent", async () => {
    const res = await api<Summary>(`/api/analytics/summary?${window}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.window, W);
    assertTotals(res.json.totals, expected(W), "window");
    assert.ok(res.json.previous);
    assert.deepEqual(res.json.previous.window, PREV);
    assertTotals(res.json.previous.totals, expected(PREV), "previous");
  });

  test("a window holding most messages (worked out as running totals minus the outside) counts only the window", async () => {
    const most = { from: PREV.from + 3 * DAY, to: W.to + 5 * DAY };
    assert.ok(expected(most).messages * 2 > expected(null).messages, "most messages are inside");
    assert.ok(expected(most).messages < expected(null).messages, "some are outside, on both sides");
    const res = await api<Summary>(`/api/analytics/summary?hostname=${HOST}&from=${most.from}&to=${most.to}`);
    assertTotals(res.json.totals, expected(most), "most");
    const hosts = await api<Hosts>(`/api/analytics/hosts?hostname=${HOST}&from=${most.from}&to=${most.to}`);
    assertTotals(hosts.json.hosts[0], expected(most), "most, per host");
  });

  test("range=all (no window, no previous) counts everything on the host", async () => {
    const res = await api<Summary>(`/api/analytics/summary?hostname=${HOST}&range=all`);
    assertTotals(res.json.totals, expected(null), "all");
    assert.equal(res.json.previous, null);
  });

  test("without a hostname every host counts", async () => {
    const res = await api<Summary>(`/api/analytics/summary?from=${W.from}&to=${W.to}`);
    const want = expected(W);
    assert.equal(res.json.totals.messages, want.messages + 1);
    assert.equal(res.json.totals.sessions, want.sessions + 1);
    assert.ok(Math.abs(res.json.totals.cost - (want.cost + 9)) < 1e-9);
  });

  test("bad parameters are 400 naming the field", async () => {
    assert.match(
      (await api<Summary>("/api/analytics/summary?range=fortnight")).json.error.message,
      /^range: must be one of today, 7d, 30d, 90d, 365d, all$/,
    );
    assert.match(
      (await api<Summary>(`/api/analytics/summary?from=${W.to}&to=${W.from}`)).json.error.message,
      /^from: must be before to$/,
    );
    assert.match((await api<Summary>("/api/analytics/summary?to=soon")).json.error.message, /^to: /);
  });

  test("rolling ranges end now and compare with the window before", async () => {
    const before = Date.now();
    const res = await api<Summary>(`/api/analytics/summary?range=7d&hostname=${HOST}`);
    const { window: w, previous } = res.json;
    assert.ok(w.to !== null && w.from !== null && previous);
    assert.ok(w.to >= before);
    assert.equal(w.to - w.from, 7 * DAY);
    assert.equal(previous.window.to, w.from);
  });
});

describe("GET /api/analytics/models, hosts, projects", () => {
  test("per provider/model sums, with shares of cost and tokens", async () => {
    const res = await api<Models>(`/api/analytics/models?${window}`);
    assert.equal(res.status, 200);
    const all = expected(W);
    assert.equal(res.json.models.length, models.length);
    for (const [provider, model] of models) {
      const row = res.json.models.find((m) => m.providerId === provider && m.modelId === model);
      const want = expected(W, (m) => m.provider === provider && m.model === model);
      assert.ok(row, model);
      assert.equal(row.messages, want.assistant, model);
      assert.deepEqual(row.tokens, want.tokens, model);
      assert.ok(Math.abs(row.cost - want.cost) < 1e-9);
      assert.ok(Math.abs(row.share.cost - want.cost / all.cost) < 1e-9);
      assert.ok(Math.abs(row.share.tokens - want.tokens.total / all.tokens.total) < 1e-9);
    }
    const costs = res.json.models.map((m) => m.cost);
    assert.deepEqual(
      costs,
      [...costs].sort((a: number, b: number) => b - a),
      "most expensive first",
    );
  });

  test("per host, and per project directory", async () => {
    const hosts = await api<Hosts>(`/api/analytics/hosts?from=${W.from}&to=${W.to}`);
    const ana = hosts.json.hosts.find((h) => h.hostname === HOST);
    assertTotals(ana, expected(W), "host");
    assert.equal(hosts.json.hosts.find((h) => h.hostname === "other-host")?.cost, 9);

    const projects = await api<Projects>(`/api/analytics/projects?${window}`);
    for (const dir of ["/srv/ana-1", "/srv/ana-2"]) {
      const row = projects.json.projects.find((p) => p.directory === dir);
      const inDir = new Set(sessions.filter((s) => s.directory === dir).map((s) => s.id));
      const want = expected(W, (m) => inDir.has(m.session));
      want.sessions = sessions.filter((s) => s.directory === dir && s.created >= W.from && s.created < W.to).length;
      assertTotals(row, want, dir);
    }
  });

  test("a long window (over 30 days) per host and project", async () => {
    const long = { from: Date.parse("2025-12-01T00:00:00Z"), to: Date.parse("2026-02-15T00:00:00Z") };
    const hosts = await api<Hosts>(`/api/analytics/hosts?hostname=${HOST}&from=${long.from}&to=${long.to}`);
    assertTotals(hosts.json.hosts[0], expected(long), "long host");
    const projects = await api<Projects>(`/api/analytics/projects?hostname=${HOST}&from=${long.from}&to=${long.to}`);
    const inDir = new Set(sessions.filter((s) => s.directory === "/srv/ana-2").map((s) => s.id));
    const want = expected(long, (m) => inDir.has(m.session));
    want.sessions = sessions.filter(
      (s) => s.directory === "/srv/ana-2" && s.created >= long.from && s.created < long.to,
    ).length;
    assertTotals(
      projects.json.projects.find((p) => p.directory === "/srv/ana-2"),
      want,
      "long project",
    );
  });

  test("range=all per host and project come out the same as the messages' sums", async () => {
    const hosts = await api<Hosts>(`/api/analytics/hosts?range=all&hostname=${HOST}`);
    assert.equal(hosts.json.hosts.length, 1);
    assertTotals(hosts.json.hosts[0], expected(null), "all hosts");
    const projects = await api<Projects>(`/api/analytics/projects?range=all&hostname=${HOST}`);
    const one = projects.json.projects.find((p) => p.directory === "/srv/ana-1");
    const inDir = new Set(sessions.filter((s) => s.directory === "/srv/ana-1").map((s) => s.id));
    assertTotals(one, { ...expected(null, (m) => inDir.has(m.session)), sessions: 2 }, "all projects");
  });
});

describe("GET /api/analytics/daily", () => {
  const TZ_HOST = "tz-host";
  // One assistant message (cost 1) at each local time; New York springs forward on 2026-03-08
  // (a 23-hour day) and falls back on 2026-11-01 (a 25-hour day).
  const times = [
    "2026-03-07T23:30:00-05:00",
    "2026-03-08T00:30:00-05:00",
    "2026-03-08T23:30:00-04:00",
    "2026-03-09T00:15:00-04:00",
    "2026-10-31T23:59:00-04:00",
    "2026-11-01T01:30:00-04:00",
    "2026-11-01T01:30:00-05:00",
    "2026-11-01T23:30:00-05:00",
  ].map(Date.parse);

  before(async () => {
    const spring = Date.parse("2026-03-07T12:00:00-05:00");
    const fall = Date.parse("2026-10-31T12:00:00-04:00");
    const events = [
      ev(
        "session.created",
        { info: { id: "ses_tz_spring", title: "s", directory: "/srv/tz", time: { created: spring } } },
        spring,
        TZ_HOST,
      ),
      ev(
        "session.created",
        { info: { id: "ses_tz_fall", title: "f", directory: "/srv/tz", time: { created: fall } } },
        fall,
        TZ_HOST,
      ),
      ...times.map((t, i) =>
        ev(
          "message.updated",
          {
            info: {
              id: `msg_tz_${i}`,
              sessionID: t < fall ? "ses_tz_spring" : "ses_tz_fall",
              role: "assistant",
              providerID: "p",
              modelID: "m",
              cost: 1,
              tokens: { input: 1, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
              time: { created: t, completed: t + 1 },
            },
          },
          t,
          TZ_HOST,
        ),
      ),
    ];
    await send(events);
  });

  const days = async (query: string) => {
    const res = await api<Daily>(`/api/analytics/daily?hostname=${TZ_HOST}&${query}`);
    assert.equal(res.status, 200, res.text);
    return res.json.days.map((d) => [d.date, d.messages, d.cost, d.sessions]);
  };

  test("23:30 in New York stays on that New York day, across the spring DST change", async () => {
    const from = encodeURIComponent("2026-03-07T00:00:00-05:00");
    const to = encodeURIComponent("2026-03-10T00:00:00-04:00");
    assert.deepEqual(await days(`tz=America/New_York&from=${from}&to=${to}`), [
      ["2026-03-07", 1, 1, 1],
      ["2026-03-08", 2, 2, 0],
      ["2026-03-09", 1, 1, 0],
    ]);
    // The same instants in UTC fall on other days.
    assert.deepEqual(await days("tz=UTC&from=2026-03-07T00:00:00Z&to=2026-03-10T00:00:00Z"), [
      ["2026-03-07", 0, 0, 1],
      ["2026-03-08", 2, 2, 0],
      ["2026-03-09", 2, 2, 0],
    ]);
  });

  test("the 25-hour day when clocks fall back holds both 01:30s and 23:30", async () => {
    const from = encodeURIComponent("2026-10-31T00:00:00-04:00");
    const to = encodeURIComponent("2026-11-03T00:00:00-05:00");
    assert.deepEqual(await days(`tz=America/New_York&from=${from}&to=${to}`), [
      ["2026-10-31", 1, 1, 1],
      ["2026-11-01", 3, 3, 0],
      ["2026-11-02", 0, 0, 0],
    ]);
  });

  test("by default the last 365 local days, ending today", async () => {
    const res = await api<Daily>(`/api/analytics/daily?tz=Asia/Kolkata`);
    assert.equal(res.json.days.length, 365);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata" }).format(new Date());
    assert.equal(res.json.days.at(-1)?.date, today);
    assert.equal(res.json.timeZone, "Asia/Kolkata");
  });

  test("an unknown time zone is a 400", async () => {
    const res = await api<Daily>("/api/analytics/daily?tz=America/Atlantis");
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /^tz: must be an IANA time zone/);
  });
});

describe("GET /api/instances", () => {
  test("online by heartbeat, versions, and the host's session totals", async () => {
    const now = Date.now();
    await send([
      ev("dashboard.heartbeat", { opencodeVersion: "1.18.33", pluginVersion: "0.3.0" }, now, "inst-on"),
      ev(
        "session.created",
        { info: { id: "ses_i_busy", title: "b", directory: "/srv/i", time: { created: now } } },
        now,
        "inst-on",
      ),
      ev("session.status", { sessionID: "ses_i_busy", status: { type: "busy" } }, now + 1, "inst-on"),
      ev(
        "message.updated",
        {
          info: {
            id: "msg_i",
            sessionID: "ses_i_busy",
            role: "assistant",
            providerID: "p",
            modelID: "m",
            cost: 0.75,
            tokens: { input: 1, output: 1, reasoning: 0, cache: { read: 0, write: 0 } },
            time: { created: now, completed: now + 1 },
          },
        },
        now + 2,
        "inst-on",
      ),
      ev(
        "session.created",
        { info: { id: "ses_i_ask", title: "a", directory: "/srv/i", time: { created: now } } },
        now,
        "inst-on",
      ),
      ev("session.status", { sessionID: "ses_i_ask", status: { type: "busy" } }, now + 1, "inst-on"),
      ev(
        "question.asked",
        { id: "que_i", sessionID: "ses_i_ask", questions: [{ question: "Which?" }] },
        now + 3,
        "inst-on",
      ),
      ev("dashboard.heartbeat", { opencodeVersion: "1.17.0", pluginVersion: "0.2.0" }, now - 5 * 60_000, "inst-off"),
    ]);
    const res = await api<{ instances: InstanceSummary[] }>("/api/instances");
    assert.equal(res.status, 200);
    const on = res.json.instances.find((i) => i.hostname === "inst-on");
    const off = res.json.instances.find((i) => i.hostname === "inst-off");
    assert.ok(on && off);
    assert.equal(on.online, true);
    assert.equal(off.online, false);
    assert.equal(on.opencodeVersion, "1.18.33");
    assert.equal(on.pluginVersion, "0.3.0");
    assert.equal(off.lastHeartbeat, now - 5 * 60_000);
    assert.ok(on.lastSeen >= now - 60_000);
    // The session asking a question is busy in OpenCode but blocked on the user, not working.
    assert.deepEqual([on.sessions, on.busy, on.blocked, on.finished, on.attention, on.cost], [2, 1, 1, 0, 1, 0.75]);
    assert.deepEqual([off.sessions, off.busy, off.attention, off.cost], [0, 0, 0, 0]);
  });
});

describe("GET /api/export/usage.csv", () => {
  test("one properly quoted row per day and model, equal to the messages' sums", async () => {
    const res = await api(`/api/export/usage.csv?${window}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/csv/);
    assert.match(
      res.headers.get("content-disposition")!,
      /^attachment; filename="opencode-usage-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = res.text.trimEnd().split("\r\n");
    assert.equal(
      lines[0],
      "date,provider,model,assistant_messages,tokens_input,tokens_output,tokens_reasoning,tokens_cache_read,tokens_cache_write,tokens_total,cost_usd",
    );
    assert.ok(
      lines.some((l) => l.includes(',custom,"odd,""model""",')),
      "a model name with a comma and quotes is quoted",
    );

    const want = new Map<string, { n: number; input: number; cost: number }>();
    for (const m of messages) {
      if (m.role !== "assistant" || m.created < W.from || m.created >= W.to) continue;
      const key = `${new Date(m.created).toISOString().slice(0, 10)}|${m.provider}|${m.model}`;
      const w = want.get(key) ?? { n: 0, input: 0, cost: 0 };
      want.set(key, { n: w.n + 1, input: w.input + m.tokens[0], cost: w.cost + m.cost });
    }
    const rows = lines.slice(1).map((l) => {
      // The quoted model name is the only field that can hold a comma.
      const model = /^[^,]*,[^,]*,("(?:[^"]|"")*"|[^,]*)/.exec(l)![1];
      const [date, provider] = l.split(",");
      const rest = l.slice(date.length + provider.length + model.length + 3).split(",");
      const name = model.startsWith('"') ? model.slice(1, -1).replace(/""/g, '"') : model;
      return { key: `${date}|${provider}|${name}`, n: Number(rest[0]), input: Number(rest[1]), cost: Number(rest[7]) };
    });
    assert.equal(rows.length, want.size);
    for (const r of rows) {
      const w = want.get(r.key);
      assert.ok(w, `unexpected row ${r.key}`);
      assert.equal(r.n, w.n);
      assert.equal(r.input, w.input);
      assert.ok(Math.abs(r.cost - w.cost) < 1e-6);
    }
  });
});
