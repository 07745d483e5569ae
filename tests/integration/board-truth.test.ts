import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { InstanceSummary } from "../../lib/instances/queries";
import type { SessionPage } from "../../lib/sessions/list";
import { BOARD_PAGE_SIZE } from "../../lib/sessions/views";
import { launchBrowser, signIn } from "../support/browser";
import { callApi, eventId, getJson, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/**
 * States that are true on the board (Chromium, the real server): a host that stops sending
 * heartbeats goes offline after OFFLINE_AFTER_SECONDS (short here), and its sessions are marked
 * stale and leave the counters and the Hosts page's counts; its next heartbeat brings them back,
 * live. A session deleted in OpenCode shows as deleted and stops waiting for anyone.
 */
const OFFLINE_AFTER_SECONDS = 8;
const DEAD = "dead-box";
const LIVE = "live-box";
/** A host with nothing but finished history, newer than the dead host's blocked session. */
const HISTORY = "history-box";
/** How often the live host's plugin beats here: well inside the offline window. */
const LIVE_BEAT_MS = 1000;

let server: TestServer;
let browser: Browser;
let page: Page;
let liveBeat: NodeJS.Timeout | undefined;

let tick = 0;
const ev = (hostname: string, type: string, properties: Record<string, unknown>): WireEvent => ({
  id: eventId(),
  type,
  hostname,
  directory: "/srv/truth",
  // Now, as a running plugin stamps them; a tick apart so their order is kept.
  time: Date.now() + ++tick,
  properties,
});
const heartbeat = (hostname: string) =>
  ev(hostname, "dashboard.heartbeat", { opencodeVersion: "1.18.33", pluginVersion: "0.3.0", busySessions: 1 });
const created = (hostname: string, id: string) =>
  ev(hostname, "session.created", {
    info: { id, title: id, directory: "/srv/truth", time: { created: Date.now(), updated: Date.now() } },
  });
const busy = (hostname: string, sessionID: string) =>
  ev(hostname, "session.status", { sessionID, status: { type: "busy" } });

async function send(events: WireEvent[]) {
  const res = await postEvents(server, { events });
  assert.equal(res.status, 202, res.text);
}

const instances = async () =>
  (await getJson<{ instances: InstanceSummary[] }>(server, "/api/instances")).json.instances;

/** Waits for the dead host's clock to run out, as the server judges it. */
async function untilOffline(hostname: string) {
  while ((await instances()).find((h) => h.hostname === hostname)?.online !== false) await sleep(250);
}

/** The page's socket is connected: what is pushed from now on reaches it. */
const live = () => page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
const counter = async (id: string) => Number(await page.getByTestId(id).innerText());
const row = (id: string) => page.locator(`[data-session-id="${id}"]`);
const waitForStale = (id: string, stale: string) =>
  page.waitForFunction(
    ([sessionId, value]) =>
      document.querySelector(`[data-session-id="${sessionId}"]`)?.getAttribute("data-stale") === value,
    [id, stale] as const,
  );

before(async () => {
  server = await startServer({ env: { OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER_SECONDS) } });
  // The dead host worked on two sessions, one of them blocked on a permission, then went quiet.
  await send([
    heartbeat(DEAD),
    created(DEAD, "ses_dead_perm"),
    busy(DEAD, "ses_dead_perm"),
    ev(DEAD, "permission.asked", {
      id: "per_dead",
      sessionID: "ses_dead_perm",
      permission: "bash",
      patterns: ["make deploy"],
      metadata: { command: "make deploy" },
    }),
    // More newer sessions than the board's first page: the blocked one is on screen only through
    // the pinned query (lib/sessions/list.ts listBlocked).
    ...Array.from({ length: BOARD_PAGE_SIZE + 5 }, (_, i) => created(HISTORY, `ses_history_${i}`)),
    created(DEAD, "ses_dead_busy"),
    busy(DEAD, "ses_dead_busy"),
    heartbeat(LIVE),
    created(LIVE, "ses_live_busy"),
    busy(LIVE, "ses_live_busy"),
  ]);
  liveBeat = setInterval(() => void postEvents(server, { events: [heartbeat(LIVE)] }), LIVE_BEAT_MS);
  browser = await launchBrowser();
  page = await signIn(await browser.newContext(), server.url, server.password);
});

after(async () => {
  clearInterval(liveBeat);
  await browser?.close();
  await server?.dispose();
});

test("an offline host's sessions are marked on the board and left out of the counters, the Hosts page and the API", async () => {
  await untilOffline(DEAD);

  await page.goto(server.url);
  await row("ses_dead_perm").waitFor();
  assert.equal(await row("ses_dead_perm").getAttribute("data-stale"), "host_offline");
  assert.equal(await row("ses_dead_busy").getAttribute("data-stale"), "host_offline");
  assert.equal(await row("ses_live_busy").getAttribute("data-stale"), "");
  const badge = row("ses_dead_perm").getByTestId("status-badge").first();
  assert.equal(await badge.innerText(), "Host offline", "its permission is not shown as waiting for you");
  const group = page.getByRole("region", { name: DEAD });
  assert.match(await group.getByTestId("group-offline").innerText(), /offline/);
  assert.equal(await page.getByRole("region", { name: LIVE }).getByTestId("group-offline").count(), 0);
  assert.deepEqual([await counter("count-working"), await counter("count-blocked")], [1, 0]);

  await page.goto(`${server.url}/instances`);
  const card = (hostname: string) => page.getByTestId("instance").filter({ hasText: hostname });
  assert.equal(await card(DEAD).getAttribute("data-online"), "false");
  assert.deepEqual(
    [await card(DEAD).getByTestId("host-busy").innerText(), await card(DEAD).getByTestId("host-blocked").innerText()],
    ["0", "0"],
  );
  assert.equal(await card(LIVE).getByTestId("host-busy").innerText(), "1");

  const listed = async (status: string) =>
    (await getJson<SessionPage>(server, `/api/sessions?parent=any&status=${status}`)).json.sessions.map((s) => s.id);
  assert.deepEqual(await listed("busy"), ["ses_live_busy"]);
  assert.deepEqual(await listed("attention"), []);
  const dead = (await instances()).find((h) => h.hostname === DEAD);
  assert.deepEqual([dead?.busy, dead?.attention], [0, 0]);
});

test("the board follows the host live: back with its next heartbeat, stale again when it stops", async () => {
  await untilOffline(DEAD);
  await page.goto(server.url);
  await waitForStale("ses_dead_perm", "host_offline");
  await live();

  await send([heartbeat(DEAD)]);
  await waitForStale("ses_dead_perm", "");
  await page.waitForFunction(() => document.querySelector('[data-testid="count-blocked"]')?.textContent === "1");
  // Blocked on you again: pinned on top, out of its host's group.
  await page.getByTestId("blocked-sessions").locator('[data-session-id="ses_dead_perm"]').waitFor();
  assert.equal(await page.getByRole("region", { name: DEAD }).locator('[data-session-id="ses_dead_perm"]').count(), 0);
  assert.ok((await counter("count-working")) > 1, "its busy session counts as working again");
  assert.equal(await page.getByRole("region", { name: DEAD }).getByTestId("group-offline").count(), 0);

  // No heartbeat follows: once its clock runs out, the board marks it again without a reload.
  await waitForStale("ses_dead_perm", "host_offline");
  await page.waitForFunction(() => document.querySelector('[data-testid="count-blocked"]')?.textContent === "0");
  assert.equal(await counter("count-working"), 1);
});

test("a session deleted in OpenCode shows as deleted and stops waiting", async () => {
  await send([
    created(LIVE, "ses_live_ask"),
    busy(LIVE, "ses_live_ask"),
    ev(LIVE, "question.asked", { id: "que_live", sessionID: "ses_live_ask", questions: [{ question: "Which?" }] }),
  ]);
  await page.goto(server.url);
  await row("ses_live_ask").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="count-blocked"]')?.textContent === "1");
  await live();

  await send([
    ev(LIVE, "session.deleted", {
      info: { id: "ses_live_ask", title: "ses_live_ask", directory: "/srv/truth", time: { created: 1, updated: 2 } },
    }),
  ]);
  await waitForStale("ses_live_ask", "deleted");
  await page.waitForFunction(() => document.querySelector('[data-testid="count-blocked"]')?.textContent === "0");
  assert.equal(await row("ses_live_ask").getAttribute("data-attention"), "");
  assert.equal(await row("ses_live_ask").getByTestId("status-badge").first().innerText(), "Deleted in OpenCode");
  assert.equal(await row("ses_live_ask").getByTestId("session-controls").count(), 0, "nothing to act on there");

  await page.goto(`${server.url}/sessions/ses_live_ask`);
  assert.match(await page.getByTestId("session-stale").innerText(), /Deleted in OpenCode/);
  assert.equal(await page.getByTestId("session-attention").count(), 0);
});

test("/api/sessions says which sessions are stale at the time of the answer", async () => {
  await untilOffline(DEAD);
  const { json } = await getJson<{ sessions: { id: string; stale: string | null }[] }>(
    server,
    "/api/sessions?parent=any",
  );
  const stale = new Map(json.sessions.map((s) => [s.id, s.stale]));
  assert.equal(stale.get("ses_dead_busy"), "host_offline");
  assert.equal(stale.get("ses_dead_perm"), "host_offline");
  assert.equal(stale.get("ses_live_busy"), null);
  assert.equal(stale.get("ses_live_ask"), "deleted", "deleted in OpenCode by the test before");
});

test("under a status filter, a row whose host goes offline leaves the list, live, and comes back with it", async () => {
  await send([heartbeat(DEAD)]);
  await page.goto(`${server.url}/?status=working`);
  await row("ses_dead_busy").waitFor();
  await live();
  // No heartbeat follows: the server's filter no longer picks it, and neither does the board.
  await page.waitForFunction(
    (id) => {
      const el = document.querySelector(`[data-session-id="${id}"]`);
      return !el || el.getAttribute("data-stale") === "host_offline";
    },
    "ses_dead_busy",
    { timeout: OFFLINE_AFTER_SECONDS * 3000 },
  );
  assert.equal(await row("ses_dead_busy").count(), 0, "a stale row is not listed as working");
  assert.equal(await row("ses_live_busy").count(), 1);

  await send([heartbeat(DEAD)]);
  await row("ses_dead_busy").waitFor();
});

test("a browser clock minutes off the server's judges hosts by the server's clock", async () => {
  await untilOffline(DEAD);
  const SKEW_MS = 5 * 60_000;
  for (const skew of [SKEW_MS, -SKEW_MS]) {
    const context = await browser.newContext();
    await context.clock.install({ time: Date.now() + skew });
    const skewed = await signIn(context, server.url, server.password);
    const rowOf = (id: string) => skewed.locator(`[data-session-id="${id}"]`);
    await rowOf("ses_live_busy").waitFor();
    // Connected: the page has hydrated and its clock has ticked, which is when a skew would show.
    await skewed.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    const label = `browser ${skew > 0 ? "ahead" : "behind"}`;
    assert.equal(await rowOf("ses_live_busy").getAttribute("data-stale"), "", `${label}: the live host is online`);
    assert.equal(
      await rowOf("ses_dead_busy").getAttribute("data-stale"),
      "host_offline",
      `${label}: the dead host is offline`,
    );
    await context.close();
  }
});

test("the Hosts page's counts follow the sessions live: working, deleted here, and events ignored since", async () => {
  await page.goto(`${server.url}/instances`);
  const card = page.getByTestId("instance").filter({ hasText: LIVE });
  const busyBefore = Number(await card.getByTestId("host-busy").innerText());
  await live();

  await send([created(LIVE, "ses_live_more"), busy(LIVE, "ses_live_more")]);
  await card
    .getByTestId("host-busy")
    .filter({ hasText: String(busyBefore + 1) })
    .waitFor();

  const deleted = await callApi(server, "DELETE", "/api/sessions/ses_live_more");
  assert.equal(deleted.status, 200);
  await card
    .getByTestId("host-deleted")
    .filter({ hasText: "1 session deleted here · 0 later events ignored" })
    .waitFor();
  await send([busy(LIVE, "ses_live_more")]);
  await card.getByTestId("host-deleted").filter({ hasText: "1 later event ignored" }).waitFor();
  assert.equal(Number(await card.getByTestId("host-busy").innerText()), busyBefore);
});

test("with the connection lost, hosts are judged as of that moment: a live host turns offline neither on the board nor on a session's page", async () => {
  for (const path of ["/", "/sessions/ses_live_busy"]) {
    await page.goto(`${server.url}${path}`);
    await live();
    await page.context().setOffline(true);
    await page.getByTestId("stale-banner").waitFor();
    // Longer than the offline window: the live host's heartbeats go on, but this page hears none.
    await sleep(OFFLINE_AFTER_SECONDS * 1000 + 2000);
    if (path === "/")
      assert.equal(await row("ses_live_busy").getAttribute("data-stale"), "", "the board: still online");
    else assert.equal(await page.getByTestId("session-stale").count(), 0, "the session's page: still online");
    await page.context().setOffline(false);
    await live();
  }
});

test("a session pushed while a filter change is loading is laid over that answer, not replaced by the older row", async () => {
  await page.goto(server.url);
  await live();
  // The filter's answer is rendered now, before the push below, and held until the push is shown.
  let rendered!: () => void;
  const answerRendered = new Promise<void>((resolve) => (rendered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(
    (url) => url.searchParams.has("_rsc"),
    async (route) => {
      const response = await route.fetch();
      rendered();
      await released;
      await route.fulfill({ response });
    },
  );
  await page.getByRole("combobox", { name: "Host", exact: true }).selectOption(LIVE);
  await answerRendered;

  const renamed = "Renamed while the filter loaded";
  await send([
    ev(LIVE, "session.updated", {
      info: { id: "ses_live_busy", title: renamed, directory: "/srv/truth", time: { created: 1, updated: Date.now() } },
    }),
  ]);
  await row("ses_live_busy").filter({ hasText: renamed }).waitFor();
  release();
  await page.waitForURL((url) => url.searchParams.get("host") === LIVE);
  await page.locator(`[data-session-id="ses_dead_busy"]`).waitFor({ state: "detached" });
  await page.unrouteAll({ behavior: "ignoreErrors" });
  assert.match(await row("ses_live_busy").innerText(), new RegExp(renamed), "the pushed title stays");
});
