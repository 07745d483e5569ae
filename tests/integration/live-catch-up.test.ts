// Issue 14, "Live state without gaps": a change that reaches the server after a page was rendered
// but before its socket could receive pushes is shown, not lost. The browser's scripts are held
// (not its stylesheet, which would hold the HTML too) while the change is posted, so the gap between render and subscription is certain, not a
// race the test might lose.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { SessionDetail } from "../../lib/sessions/detail";
import { launchBrowser, signIn } from "../support/browser";
import { eventId, getJson, postEvents, type WireEvent } from "../support/client";
import { waitFor } from "../support/opencode";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
let browser: Browser;
let context: BrowserContext;

const ev = (type: string, properties: Record<string, unknown>): WireEvent => ({
  id: eventId(),
  type,
  hostname: "gap-host",
  directory: "/home/dev/gap",
  time: Date.now(),
  properties,
});

const created = (id: string, title: string) =>
  ev("session.created", {
    info: { id, title, directory: "/home/dev/gap", time: { created: Date.now(), updated: Date.now() } },
  });

async function post(events: WireEvent[]) {
  const res = await postEvents(server, { events });
  assert.equal(res.status, 202, res.text);
}

/**
 * Opens `route` with the page's scripts held back: the server-rendered HTML arrives, but nothing
 * runs, so no socket is connected. `whileLoading` runs then; the scripts go on afterwards.
 */
async function openWithScriptsHeld(page: Page, route: string, rendered: string, whileLoading: () => Promise<void>) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const pattern = "**/_next/static/chunks/*.js";
  await page.route(pattern, async (r) => {
    await held;
    await r.continue();
  });
  try {
    await page.goto(`${server.url}${route}`, { waitUntil: "commit" });
    await page.locator(rendered).first().waitFor({ state: "attached" });
    await whileLoading();
  } finally {
    release();
  }
  await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
  await page.unroute(pattern);
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await signIn(context, server.url, server.password);
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

describe("an empty dashboard", () => {
  // First in the file: the server has no session yet.
  test("the setup steps give way to the board when the first session arrives", async () => {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    await page.getByTestId("install-line").waitFor();
    await post([created("ses_gap_first", "The very first")]);
    await page.locator('[data-testid="session-row"][data-session-id="ses_gap_first"]').waitFor({ timeout: 15_000 });
    await page.close();
  });
});

describe("a change posted while a page loads", () => {
  test("the board shows a permission asked after it was rendered", async () => {
    const sessionID = "ses_gap_board";
    await post([created(sessionID, "Render gap"), ev("session.status", { sessionID, status: { type: "busy" } })]);
    const page = await context.newPage();
    const row = `[data-testid="session-row"][data-session-id="${sessionID}"]`;
    await openWithScriptsHeld(page, "/", row, async () => {
      assert.ok(!(await page.locator(row).getAttribute("data-attention")), "nothing asked yet");
      await post([
        ev("permission.asked", { id: "per_gap", sessionID, permission: "bash", patterns: ["make release"] }),
      ]);
      await waitFor(
        async () =>
          (await getJson<SessionDetail>(server, `/api/sessions/${sessionID}`)).json.session?.attention?.reason ===
          "permission",
        10_000,
        "the permission stored",
      );
    });
    await page.waitForSelector(`${row}[data-attention="permission"]`, { timeout: 15_000 });
    await waitFor(async () => (await page.getByTestId("count-blocked").innerText()) === "1", 15_000, "the count");
    await page.close();
  });

  test("a session's page shows a timeline entry that arrived after it was rendered", async () => {
    const sessionID = "ses_gap_page";
    await post([
      created(sessionID, "Timeline gap"),
      ev("message.updated", { info: { id: "msg_gap_u1", sessionID, role: "user", time: { created: Date.now() } } }),
      ev("message.part.updated", {
        part: { id: "prt_gap_1", sessionID, messageID: "msg_gap_u1", type: "text", text: "First question" },
      }),
    ]);
    const page = await context.newPage();
    await openWithScriptsHeld(page, `/sessions/${sessionID}`, '[data-testid="prompt-entry"]', async () => {
      await post([
        ev("message.updated", {
          info: { id: "msg_gap_u2", sessionID, role: "user", time: { created: Date.now() + 1 } },
        }),
        ev("message.part.updated", {
          part: { id: "prt_gap_2", sessionID, messageID: "msg_gap_u2", type: "text", text: "Second question" },
        }),
      ]);
      await waitFor(
        async () =>
          JSON.stringify((await getJson<SessionDetail>(server, `/api/sessions/${sessionID}`)).json).includes(
            "Second question",
          ),
        10_000,
        "the second prompt stored",
      );
    });
    await page.getByTestId("prompt-entry").filter({ hasText: "Second question" }).waitFor({ timeout: 15_000 });
    await page.close();
  });
});

describe("a busy fleet", () => {
  test("the board catches up once after loading, not again after each refresh while changes keep coming", async () => {
    const page = await context.newPage();
    let refreshes = 0;
    // A server render fetched by the page itself (router.refresh) carries the RSC header; link
    // prefetches say so and are not counted.
    page.on("request", (r) => {
      if (r.headers()["rsc"] === "1" && !r.headers()["next-router-prefetch"]) refreshes++;
    });
    await post([created("ses_busy_fleet", "Busy fleet")]);
    // A change while the page loads: its first connection catches up (one refresh).
    const row = '[data-testid="session-row"][data-session-id="ses_busy_fleet"]';
    await openWithScriptsHeld(page, "/", row, () =>
      post([ev("session.status", { sessionID: "ses_busy_fleet", status: { type: "busy" } })]),
    );
    // Changes every 20 ms for 3 s, as a busy fleet makes them: each bumps the server's change count.
    for (let i = 0; i < 150; i++) {
      await post([ev("session.status", { sessionID: "ses_busy_fleet", status: { type: i % 2 ? "busy" : "idle" } })]);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(refreshes <= 1, `${refreshes} refreshes: the board kept catching up with its own refresh`);
    await page.close();
  });
});

describe("the connection", () => {
  test("while the socket is down a banner says the data may be out of date; it goes when live again", async () => {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    assert.equal(await page.getByTestId("stale-banner").count(), 0);
    await context.setOffline(true);
    // Going offline does not end an open WebSocket in Chromium; closing the engine's socket does.
    await page.evaluate(() => window.dispatchEvent(new Event("offline")));
    const banner = page.getByTestId("stale-banner");
    await banner.waitFor({ timeout: 30_000 });
    assert.match(await banner.innerText(), /out of date/);
    await context.setOffline(false);
    await banner.waitFor({ state: "detached", timeout: 30_000 });
    await page.close();
  });
});
