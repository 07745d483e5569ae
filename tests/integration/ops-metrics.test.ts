import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connected, connectSocket, eventId, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
let server: TestServer;
before(async () => {
  server = await startServer({ env: { METRICS_TOKEN } });
});
after(async () => {
  await server?.dispose();
});

const event = (type: string, properties: Record<string, unknown>): WireEvent => ({
  id: eventId(),
  type,
  hostname: "metrics-host",
  directory: "/srv/app",
  time: Date.now(),
  properties,
});

async function scrape(headers: Record<string, string> = { authorization: `Bearer ${METRICS_TOKEN}` }) {
  const res = await fetch(`${server.url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

/** The value of one series, e.g. `opencode_dashboard_events_total{result="accepted"}`. */
function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  assert.ok(line, `${series} is exposed`);
  return Number(line.slice(series.length + 1));
}

test("/metrics wants the dashboard password or METRICS_TOKEN; the plugin key is 403, nothing is 401", async () => {
  const none = await scrape({});
  assert.equal(none.status, 401);
  assert.equal(JSON.parse(none.text).error.code, "unauthorized");
  assert.equal((await scrape({ authorization: "Bearer not-the-token-0123456789" })).status, 401);
  assert.equal((await scrape({ "x-api-key": server.apiKey })).status, 403);
  assert.equal(JSON.parse((await scrape({ authorization: `Bearer ${server.apiKey}` })).text).error.code, "forbidden");
  for (const headers of <Record<string, string>[]>[
    { authorization: `Bearer ${METRICS_TOKEN}` },
    { authorization: `Bearer ${server.password}` },
    { "x-api-key": server.password },
  ]) {
    const ok = await scrape(headers);
    assert.equal(ok.status, 200);
    assert.match(ok.type ?? "", /^text\/plain; version=0\.0\.4/);
  }
});

test("event counters match what was sent: accepted, duplicate, ignored, and each kind of refusal", async () => {
  const start = (await scrape()).text;
  const counter = (text: string, series: string) => (text.includes(series + " ") ? value(text, series) : 0);
  const series = {
    accepted: 'opencode_dashboard_events_total{result="accepted"}',
    duplicate: 'opencode_dashboard_events_total{result="duplicate"}',
    ignored: 'opencode_dashboard_events_total{result="ignored"}',
    unauthorized: 'opencode_dashboard_events_rejected_total{reason="unauthorized"}',
    unsupported: 'opencode_dashboard_events_rejected_total{reason="unsupported_media_type"}',
    tooLarge: 'opencode_dashboard_events_rejected_total{reason="payload_too_large"}',
    invalidJson: 'opencode_dashboard_events_rejected_total{reason="invalid_json"}',
    invalidEvents: 'opencode_dashboard_events_rejected_total{reason="invalid_events"}',
    ingestCount: "opencode_dashboard_ingest_duration_seconds_count",
  };
  const before = Object.fromEntries(Object.entries(series).map(([k, s]) => [k, counter(start, s)]));

  const batch = Array.from({ length: 7 }, (_, i) =>
    event("session.status", { sessionID: `ses_metrics${i}`, status: { type: i % 2 ? "busy" : "idle" } }),
  );
  assert.equal((await postEvents(server, { events: batch })).status, 202);
  assert.equal((await postEvents(server, { events: batch.slice(0, 3) })).status, 202); // 3 duplicates
  assert.equal(
    (await postEvents(server, { events: [event("some.future.event", {}), event("another.unknown", {})] })).status,
    202,
  ); // 2 ignored
  const mixed = await postEvents(server, {
    events: [
      event("session.idle", { sessionID: "ses_metrics_ok" }),
      { id: "evt_bad1", type: "session.idle" },
      { type: "session.idle" },
    ],
  });
  assert.equal(mixed.status, 400); // 1 accepted, 2 rejected events
  assert.equal((await postEvents(server, { events: [] }, { key: "wrong-key-0123456789" })).status, 401);
  assert.equal((await postEvents(server, { events: [] }, { key: null })).status, 401);
  assert.equal((await postEvents(server, null, { contentType: "text/plain", raw: "{}" })).status, 415);
  assert.equal((await postEvents(server, null, { raw: "{not json" })).status, 400);
  assert.equal(
    (await postEvents(server, null, { raw: JSON.stringify({ events: [], pad: "x".repeat(1_100_000) }) })).status,
    413,
  );

  const end = (await scrape()).text;
  const delta = (k: keyof typeof series) => counter(end, series[k]) - before[k];
  assert.equal(delta("accepted"), 8);
  assert.equal(delta("duplicate"), 3);
  assert.equal(delta("ignored"), 2);
  assert.equal(delta("invalidEvents"), 2);
  assert.equal(delta("unauthorized"), 2);
  assert.equal(delta("unsupported"), 1);
  assert.equal(delta("invalidJson"), 1);
  assert.equal(delta("tooLarge"), 1);
  assert.equal(delta("ingestCount"), 4, "one latency observation per stored batch");
});

test("gauges read at scrape time: socket.io clients, sessions by status, database size", async () => {
  await postEvents(server, {
    events: [event("session.status", { sessionID: "ses_gauge_busy", status: { type: "busy" } })],
  });
  const socket = connectSocket(server, { password: server.password });
  await connected(socket);
  try {
    const text = (await scrape()).text;
    assert.equal(value(text, "opencode_dashboard_socket_clients"), 1);
    const statuses = Object.fromEntries(
      ["busy", "idle", "retry", "error"].map((s) => [s, value(text, `opencode_dashboard_sessions{status="${s}"}`)]),
    );
    const list = await fetch(`${server.url}/api/admin/storage`, { headers: { "x-api-key": server.password } }).then(
      (r) => r.json(),
    );
    assert.equal(
      Object.values(statuses).reduce((a, b) => a + b, 0),
      list.tables.sessions,
    );
    assert.ok(statuses.busy >= 1);
    assert.ok(value(text, 'opencode_dashboard_database_bytes{file="database"}') > 0);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  } finally {
    socket.close();
  }
});

test("GET /api/admin/storage reports file and WAL size and rows per table, behind the dashboard password", async () => {
  assert.equal((await fetch(`${server.url}/api/admin/storage`)).status, 401);
  const plugin = await fetch(`${server.url}/api/admin/storage`, { headers: { "x-api-key": server.apiKey } });
  assert.equal(plugin.status, 403);
  assert.equal((await plugin.json()).error.code, "forbidden");
  const res = await fetch(`${server.url}/api/admin/storage`, { headers: { "x-api-key": server.password } });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.bytes.total, body.bytes.file + body.bytes.wal);
  assert.ok(body.bytes.file > 0);
  assert.equal(body.autoVacuum, "incremental");
  assert.equal(body.retentionDays, null);
  for (const table of ["sessions", "messages", "timeline", "events_seen", "instances"])
    assert.equal(typeof body.tables[table], "number", table);
  assert.ok(body.tables.events_seen >= 11, "every event id sent above is kept");
  assert.equal(
    Object.keys(body.tables).some((t) => t.startsWith("timeline_search")),
    false,
    "FTS internals are left out",
  );
});
