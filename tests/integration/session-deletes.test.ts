import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { InstanceSummary } from "../../lib/instances/queries";
import type { SessionDetail } from "../../lib/sessions/detail";
import type { SessionPage } from "../../lib/sessions/list";
import { eventId, getJson, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/**
 * Deletes that stay true, through the real server: a session deleted on the dashboard stays
 * gone when OpenCode (which was not touched) sends more for it, and those events are counted;
 * a session deleted in OpenCode (`session.deleted`) shows as deleted and waits for no one.
 */
const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const HOST = "delete-host";
let server: TestServer;

before(async () => {
  server = await startServer({ env: { METRICS_TOKEN } });
});
after(() => server?.dispose());

const T0 = Date.now() - 60_000;
let tick = 0;
const ev = (type: string, properties: Record<string, unknown>): WireEvent => ({
  id: eventId(),
  type,
  hostname: HOST,
  directory: "/srv/deletes",
  time: T0 + ++tick,
  properties,
});
const created = (id: string) =>
  ev("session.created", { info: { id, title: id, directory: "/srv/deletes", time: { created: T0, updated: T0 } } });
const status = (sessionID: string, type: "busy" | "idle") => ev("session.status", { sessionID, status: { type } });
const message = (sessionID: string, id: string, cost: number) =>
  ev("message.updated", {
    info: {
      id,
      sessionID,
      role: "assistant",
      providerID: "p",
      modelID: "m",
      cost,
      tokens: { input: 10, output: 10, reasoning: 0, cache: { read: 0, write: 0 } },
      time: { created: T0 + tick, completed: T0 + tick + 1 },
    },
  });
const part = (sessionID: string, messageID: string, id: string) =>
  ev("message.part.updated", { part: { id, sessionID, messageID, type: "text", text: "still going" } });

async function send(events: WireEvent[]) {
  const res = await postEvents(server, { events });
  assert.equal(res.status, 202, res.text);
  return res.json;
}

const hostSummary = async () =>
  (await getJson<{ instances: InstanceSummary[] }>(server, "/api/instances")).json.instances.find(
    (h) => h.hostname === HOST,
  );

async function ignoredMetric() {
  const text = await (
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const series = "opencode_dashboard_events_for_deleted_sessions_total";
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  assert.ok(line, `${series} is exposed`);
  return Number(line.slice(series.length + 1));
}

describe("deleted on the dashboard", () => {
  test("delete then a late event: the session stays gone and the ignored count goes up", async () => {
    await send([created("ses_gone"), status("ses_gone", "busy"), message("ses_gone", "msg_gone_1", 0.4)]);
    const before = await ignoredMetric();
    const res = await fetch(`${server.url}/api/sessions/ses_gone`, {
      method: "DELETE",
      headers: { "x-api-key": server.password },
    });
    assert.equal(res.status, 200);
    assert.equal((await hostSummary())?.deleted.sessions, 1);

    // OpenCode goes on with it: its next message, part and status arrive.
    const answer = await send([
      message("ses_gone", "msg_gone_2", 0.2),
      part("ses_gone", "msg_gone_2", "prt_gone_2"),
      status("ses_gone", "idle"),
    ]);
    assert.deepEqual([answer.accepted, answer.ignored], [0, 3]);
    assert.equal((await getJson(server, "/api/sessions/ses_gone")).status, 404);
    const listed = (await getJson<SessionPage>(server, "/api/sessions?parent=any")).json.sessions;
    assert.ok(!listed.some((s) => s.id === "ses_gone"), "not listed again");
    assert.deepEqual((await hostSummary())?.deleted, { sessions: 1, ignoredEvents: 3 });
    assert.equal((await ignoredMetric()) - before, 3);
  });
});

describe("deleted in OpenCode", () => {
  test("session.deleted marks it deleted and clears its attention: it is neither working nor waiting", async () => {
    await send([
      created("ses_oc_gone"),
      status("ses_oc_gone", "busy"),
      ev("permission.asked", { id: "per_oc_gone", sessionID: "ses_oc_gone", permission: "bash", patterns: ["ls"] }),
    ]);
    const waitingIds = async () =>
      (await getJson<SessionPage>(server, "/api/sessions?parent=any&status=attention")).json.sessions.map((s) => s.id);
    assert.ok((await waitingIds()).includes("ses_oc_gone"));

    await send([
      ev("session.deleted", {
        info: {
          id: "ses_oc_gone",
          title: "ses_oc_gone",
          directory: "/srv/deletes",
          time: { created: T0, updated: T0 },
        },
      }),
    ]);
    const detail = (await getJson<SessionDetail>(server, "/api/sessions/ses_oc_gone")).json;
    assert.ok(detail.session.deletedAt !== null, "marked deleted");
    assert.equal(detail.session.attention, null);
    assert.deepEqual(detail.pending, []);
    assert.ok(!(await waitingIds()).includes("ses_oc_gone"));
    const working = (await getJson<SessionPage>(server, "/api/sessions?parent=any&status=busy")).json.sessions;
    assert.ok(!working.some((s) => s.id === "ses_oc_gone"), "its last status was busy, but it is not working");
    const host = await hostSummary();
    assert.deepEqual([host?.busy, host?.attention], [0, 0]);

    // Nothing is left there to act on: a command is refused before any machine is asked.
    const abort = await fetch(`${server.url}/api/sessions/ses_oc_gone/abort`, {
      method: "POST",
      headers: { "x-api-key": server.password },
    });
    assert.equal(abort.status, 409);
    assert.equal(((await abort.json()) as { error: { code: string } }).error.code, "session_deleted");
  });
});
