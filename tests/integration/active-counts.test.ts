import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { InstanceSummary } from "../../lib/instances/queries";
import type { SessionPage } from "../../lib/sessions/list";
import { launchBrowser, signIn } from "../support/browser";
import { eventId, getJson, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/**
 * "Active" is defined once (lib/sessions/active.ts): the board's counters, the Hosts page and
 * the API count the same sessions as working and waiting. Sessions in every state, on two
 * hosts, sent through POST /events to a server of their own; then each surface is read.
 */

let server: TestServer;
let browser: Browser;
let page: Page;

const T0 = Date.now() - 60_000;
let tick = 0;
const ev = (hostname: string, type: string, properties: Record<string, unknown>): WireEvent => ({
  id: eventId(),
  type,
  hostname,
  directory: "/srv/counts",
  time: T0 + ++tick,
  properties,
});
const created = (hostname: string, id: string, parentID?: string) =>
  ev(hostname, "session.created", {
    info: { id, title: id, directory: "/srv/counts", parentID, time: { created: T0 + tick, updated: T0 + tick } },
  });
const status = (hostname: string, sessionID: string, type: "busy" | "idle" | "retry") =>
  ev(hostname, "session.status", {
    sessionID,
    status: { type, ...(type === "retry" ? { attempt: 1, message: "rate limited", next: T0 + 10_000 } : {}) },
  });

/**
 * Working: busy or retrying, and not blocked (the permission and the question sessions are busy,
 * but blocked). Blocked: a permission, a question, an error. Finished: a turn ended. Errors: the
 * last turn failed.
 */
const EXPECTED = {
  "count-host-a": { working: 3, blocked: 2, finished: 1 },
  "count-host-b": { working: 1, blocked: 1, finished: 0 },
  total: { working: 4, blocked: 3, finished: 1, errors: 1 },
};

before(async () => {
  server = await startServer();
  const a = "count-host-a";
  const b = "count-host-b";
  const res = await postEvents(server, {
    events: [
      created(a, "ses_c_busy"),
      status(a, "ses_c_busy", "busy"),
      created(a, "ses_c_retry"),
      status(a, "ses_c_retry", "retry"),
      created(a, "ses_c_error"),
      ev(a, "session.error", { sessionID: "ses_c_error", error: { name: "APIError", data: { message: "boom" } } }),
      created(a, "ses_c_perm"),
      status(a, "ses_c_perm", "busy"),
      ev(a, "permission.asked", { id: "per_c_1", sessionID: "ses_c_perm", permission: "bash", patterns: ["ls"] }),
      created(a, "ses_c_idle"),
      status(a, "ses_c_idle", "idle"),
      created(a, "ses_c_done"),
      status(a, "ses_c_done", "busy"),
      status(a, "ses_c_done", "idle"),
      created(a, "ses_c_child", "ses_c_busy"),
      status(a, "ses_c_child", "busy"),
      created(b, "ses_c_b_retry"),
      status(b, "ses_c_b_retry", "retry"),
      created(b, "ses_c_b_ask"),
      status(b, "ses_c_b_ask", "busy"),
      ev(b, "question.asked", { id: "que_c_1", sessionID: "ses_c_b_ask", questions: [{ question: "Which one?" }] }),
    ],
  });
  assert.equal(res.status, 202, JSON.stringify(res.json));
  browser = await launchBrowser();
  page = await signIn(await browser.newContext(), server.url, server.password);
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

test("the API: the list's status filters and /api/instances", async () => {
  const listed = async (status: string) =>
    ((await getJson(server, `/api/sessions?parent=any&status=${status}`)).json as SessionPage).sessions.length;
  assert.equal(await listed("busy,retry"), EXPECTED.total.working);
  assert.equal(await listed("working"), EXPECTED.total.working);
  assert.equal(await listed("blocked"), EXPECTED.total.blocked);
  assert.equal(await listed("finished"), EXPECTED.total.finished);
  assert.equal(await listed("attention"), EXPECTED.total.blocked + EXPECTED.total.finished);
  assert.equal(await listed("error"), EXPECTED.total.errors);

  const { instances } = (await getJson(server, "/api/instances")).json as { instances: InstanceSummary[] };
  const counts = Object.fromEntries(
    instances.map((h) => [h.hostname, { working: h.busy, blocked: h.blocked, finished: h.finished }]),
  );
  assert.deepEqual(counts, { "count-host-a": EXPECTED["count-host-a"], "count-host-b": EXPECTED["count-host-b"] });
});

test("the board's counters", async () => {
  await page.goto(server.url);
  const counter = async (id: string) => Number(await page.getByTestId(id).innerText());
  assert.deepEqual(
    {
      working: await counter("count-working"),
      blocked: await counter("count-blocked"),
      finished: await counter("count-finished"),
      errors: await counter("count-errors"),
    },
    EXPECTED.total,
  );
});

test("the Hosts page", async () => {
  await page.goto(`${server.url}/instances`);
  for (const hostname of ["count-host-a", "count-host-b"] as const) {
    const card = page.getByTestId("instance").filter({ hasText: hostname });
    const stat = async (label: string) =>
      Number(
        await card
          .locator("dl > div")
          .filter({ has: page.getByText(label, { exact: true }) })
          .locator("dd")
          .innerText(),
      );
    assert.deepEqual(
      { working: await stat("Busy"), blocked: await stat("Blocked"), finished: await stat("Finished") },
      EXPECTED[hostname],
      hostname,
    );
  }
});
