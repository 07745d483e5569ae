import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, signIn } from "../support/browser";
import type { analyticsModels, analyticsSummary } from "../../lib/analytics/reports";
import type { SessionDetail } from "../../lib/sessions/detail";
import { eventId, getJson, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const ev = (type: string, properties: Record<string, unknown>, extra: Partial<WireEvent> = {}): WireEvent => ({
  id: eventId(),
  type,
  hostname: "ui-host",
  directory: "/home/dev/shop",
  time: Date.now(),
  properties,
  ...extra,
});

const created = (id: string, title: string, extra: Record<string, unknown> = {}) =>
  ev("session.created", {
    info: { id, title, directory: "/home/dev/shop", time: { created: Date.now(), updated: Date.now() }, ...extra },
  });

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await signIn(context, server.url, server.password);
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

describe("signed out", () => {
  test("every page redirects to /login, keeping where it was going", async () => {
    const anonymous = await browser.newContext();
    const p = await anonymous.newPage();
    for (const route of ["/", "/analytics", "/instances", "/sessions/ses_anything"]) {
      await p.goto(`${server.url}${route}`);
      const url = new URL(p.url());
      assert.equal(url.pathname, "/login", route);
      if (route !== "/") assert.equal(url.searchParams.get("callbackUrl"), route);
    }
    const api = await fetch(`${server.url}/api/sessions`);
    assert.equal(api.status, 401);
    await anonymous.close();
  });

  test("a wrong password is rejected and, after five, rate-limited with the wait shown", async () => {
    // Its own server: the limit is per client address, and every test here comes from 127.0.0.1.
    const other = await startServer();
    const anonymous = await browser.newContext();
    try {
      const p = await anonymous.newPage();
      await p.goto(`${other.url}/login`);
      const attempt = async (password: string) => {
        await p.getByLabel("Password").fill(password);
        const answered = p.waitForResponse((r) => r.url().endsWith("/api/auth/callback/credentials"));
        await p.getByRole("button", { name: "Sign in" }).click();
        return (await answered).status();
      };
      for (let i = 0; i < 5; i++) {
        assert.equal(await attempt(`wrong-${i}`), 401);
        await p.getByRole("alert").filter({ hasText: "not right" }).waitFor();
      }
      assert.equal(await attempt(other.password), 429);
      const alert = p.getByRole("alert").filter({ hasText: "Too many failed sign-ins" });
      await alert.waitFor();
      assert.match(await alert.innerText(), /Try again in \d+ s/);
      assert.equal(new URL(p.url()).pathname, "/login", "the right password is refused too while limited");
      const cookies = await anonymous.cookies();
      assert.ok(!cookies.some((c) => c.name.includes("session-token")), "no session was issued");
    } finally {
      await anonymous.close();
      await other.dispose();
    }
  });
});

describe("signed in", () => {
  test("the first visit shows how to connect a machine, with this dashboard's URL", async () => {
    await page.goto(server.url);
    const install = await page.getByTestId("install-line").innerText();
    assert.match(install, new RegExp(`curl -fsSL ${server.url}/plugin/opencode-dashboard.ts`));
    assert.match(await page.getByTestId("config-line").innerText(), new RegExp(`url = "${server.url}"`));
    await shoot("empty-board");
  });

  test("the session cookie is a JWT in an httpOnly, SameSite=Lax cookie", async () => {
    const cookie = (await context.cookies()).find((c) => c.name === "next-auth.session-token");
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Lax");
    const api = await page.evaluate(async () => (await fetch("/api/sessions")).status);
    assert.equal(api, 200, "/api accepts the cookie");
  });

  test("events posted to /events appear on the board live, and attention shows why", async () => {
    await postEvents(server, { events: [created("ses_ui_first", "Set up the board")] });
    await page.goto(server.url);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    const before = page.url();

    await postEvents(server, {
      events: [
        created("ses_ui_live", "Fix login bug"),
        ev("session.status", { sessionID: "ses_ui_live", status: { type: "busy" } }),
        ev("permission.asked", {
          id: "per_ui_1",
          sessionID: "ses_ui_live",
          permission: "bash",
          patterns: ["rm -rf build"],
          metadata: { command: "rm -rf build" },
        }),
      ],
    });
    const row = page.locator('[data-session-id="ses_ui_live"]');
    await row.waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-session-id="ses_ui_live"]')?.getAttribute("data-attention") === "permission",
    );
    assert.match(await row.getByTestId("attention-reason").innerText(), /Needs permission — bash: rm -rf build/);
    assert.equal(page.url(), before, "no reload happened");
    await page.waitForFunction(() => document.title.startsWith("(1) blocked"));
    assert.equal(await page.getByTestId("count-blocked").innerText(), "1");

    // The reply clears it live; a finished turn raises it again.
    await postEvents(server, {
      events: [ev("permission.replied", { sessionID: "ses_ui_live", requestID: "per_ui_1", reply: "once" })],
    });
    await page.waitForFunction(
      () => document.querySelector('[data-session-id="ses_ui_live"]')?.getAttribute("data-attention") === "",
    );
    await postEvents(server, {
      events: [ev("session.status", { sessionID: "ses_ui_live", status: { type: "idle" } })],
    });
    await row
      .locator("[data-testid=attention-reason]")
      .filter({ hasText: "Finished — waiting for your next prompt" })
      .waitFor();
    await shoot("board");
  });

  test("dismiss clears the attention, for this tab and for the API", async () => {
    const row = page.locator('[data-session-id="ses_ui_live"]');
    await row
      .getByRole("button", { name: /Dismiss/ })
      .first()
      .click();
    await page.waitForFunction(
      () => document.querySelector('[data-session-id="ses_ui_live"]')?.getAttribute("data-attention") === "",
    );
    const { json } = await getJson<SessionDetail>(server, "/api/sessions/ses_ui_live");
    assert.equal(json.session.attention, null);
    await page.waitForFunction(() => !document.title.startsWith("("));
  });

  test("filters live in the URL", async () => {
    await postEvents(server, {
      events: [created("ses_ui_other", "Other host work")].map((e) => ({ ...e, hostname: "other-host" })),
    });
    await page.goto(`${server.url}/?host=other-host`);
    await page.locator('[data-session-id="ses_ui_other"]').waitFor();
    assert.equal(await page.locator('[data-session-id="ses_ui_live"]').count(), 0);
    await page.getByLabel("Status").selectOption("attention");
    await page.waitForURL(/status=attention/);
    assert.match(page.url(), /host=other-host/);
  });

  test("a session page shows a tool call and streams a new entry", async () => {
    const sessionID = "ses_ui_live";
    await postEvents(server, {
      events: [
        ev("message.updated", { info: { id: "msg_ui_u1", sessionID, role: "user", time: { created: Date.now() } } }),
        ev("message.part.updated", {
          part: { id: "prt_ui_p1", sessionID, messageID: "msg_ui_u1", type: "text", text: "Please run the tests" },
        }),
        ev("message.part.updated", {
          part: {
            id: "prt_ui_t1",
            sessionID,
            messageID: "msg_ui_a1",
            type: "tool",
            tool: "bash",
            callID: "c1",
            state: {
              status: "completed",
              input: { command: "npm test" },
              output: "42 passing",
              title: "Run the tests",
              time: { start: Date.now() - 2000, end: Date.now() },
            },
          },
        }),
      ],
    });
    await page.goto(`${server.url}/sessions/${sessionID}`);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    const tool = page.getByTestId("tool-entry").filter({ hasText: "Run the tests" });
    await tool.waitFor();
    await tool.locator("summary").click();
    await tool.getByText("42 passing").waitFor();
    assert.match((await page.getByTestId("prompt-entry").first().textContent()) ?? "", /Please run the tests/);

    await postEvents(server, {
      events: [
        ev("message.part.updated", {
          part: {
            id: "prt_ui_a2",
            sessionID,
            messageID: "msg_ui_a1",
            type: "text",
            text: "All **42** tests pass.\n\n```js\nconst ok = true;\n```",
            time: { start: Date.now(), end: Date.now() },
          },
        }),
      ],
    });
    const streamed = page.locator('[data-key="prt_ui_a2"]');
    await streamed.waitFor();
    // textContent: entries off screen are not laid out (content-visibility), so innerText is empty.
    assert.equal(await streamed.locator("strong").textContent(), "42", "Markdown is rendered");
    assert.equal(await streamed.locator("pre code").count(), 1);
    await shoot("session");
  });

  test("Markdown from a model cannot inject markup", async () => {
    await postEvents(server, {
      events: [
        ev("message.part.updated", {
          part: {
            id: "prt_ui_xss",
            sessionID: "ses_ui_live",
            messageID: "msg_ui_a1",
            type: "text",
            text: '<img src=x onerror="window.__pwned=1"> [x](javascript:window.__pwned=2)',
            time: { start: Date.now(), end: Date.now() },
          },
        }),
      ],
    });
    const entry = page.locator('[data-key="prt_ui_xss"]');
    await entry.waitFor();
    assert.equal(await entry.locator("img").count(), 0);
    const href = await entry
      .locator("a")
      .first()
      .getAttribute("href")
      .catch(() => null);
    assert.ok(!href || !href.startsWith("javascript:"));
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  test("analytics numbers equal the API's", async () => {
    await postEvents(server, {
      events: [
        ev("message.updated", {
          info: {
            id: "msg_ui_cost1",
            sessionID: "ses_ui_live",
            role: "assistant",
            providerID: "anthropic",
            modelID: "claude-sonnet",
            cost: 1.25,
            tokens: { input: 1200, output: 300, reasoning: 0, cache: { read: 5000, write: 0 } },
            time: { created: Date.now() - 1000, completed: Date.now() },
          },
        }),
        ev("message.updated", {
          info: {
            id: "msg_ui_cost2",
            sessionID: "ses_ui_other",
            role: "assistant",
            providerID: "openai",
            modelID: "gpt-5",
            cost: 0.5,
            tokens: { input: 800, output: 100, reasoning: 50, cache: { read: 0, write: 0 } },
            time: { created: Date.now() - 1000, completed: Date.now() },
          },
        }),
      ],
    });
    const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const { json } = await getJson<Awaited<ReturnType<typeof analyticsSummary>>>(
      server,
      `/api/analytics/summary?range=30d&tz=${encodeURIComponent(tz)}`,
    );
    await page.goto(`${server.url}/analytics`);
    const money = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: "USD",
      minimumFractionDigits: 2,
      maximumFractionDigits: json.totals.cost < 1 ? 4 : 2,
    });
    assert.equal(await page.getByTestId("summary-cost").innerText(), money.format(json.totals.cost));
    assert.equal(
      await page.getByTestId("summary-sessions").innerText(),
      new Intl.NumberFormat("en-US").format(json.totals.sessions),
    );
    assert.equal(
      await page.getByTestId("summary-messages").innerText(),
      new Intl.NumberFormat("en-US").format(json.totals.messages),
    );
    const models = (
      await getJson<Awaited<ReturnType<typeof analyticsModels>>>(
        server,
        `/api/analytics/models?range=30d&tz=${encodeURIComponent(tz)}`,
      )
    ).json.models;
    const rows = await page.getByTestId("models-table").locator("tbody tr").count();
    assert.equal(rows, models.length);
    await shoot("analytics");
  });

  test("the hosts page shows online and offline hosts", async () => {
    await postEvents(server, {
      events: [
        ev(
          "dashboard.heartbeat",
          { opencodeVersion: "1.18.33", pluginVersion: "0.1.0", busySessions: 0, spoolBytes: 0, droppedEvents: 0 },
          { id: `hb_online_${Date.now()}`, hostname: "online-box" },
        ),
        ev(
          "dashboard.heartbeat",
          { opencodeVersion: "1.18.30", pluginVersion: "0.1.0", busySessions: 0, spoolBytes: 0, droppedEvents: 0 },
          { id: `hb_offline_${Date.now()}`, hostname: "offline-box", time: Date.now() - 10 * 60_000 },
        ),
      ],
    });
    await page.goto(`${server.url}/instances`);
    const online = page.getByTestId("instance").filter({ hasText: "online-box" });
    const offline = page.getByTestId("instance").filter({ hasText: "offline-box" });
    assert.equal(await online.getAttribute("data-online"), "true");
    assert.equal(await offline.getAttribute("data-online"), "false");
    assert.match(await online.innerText(), /Online/);
    assert.match(await offline.innerText(), /Offline/);
    await shoot("instances");
  });

  test("screenshots of every page, desktop and phone, light and dark", async () => {
    const pages = [
      ["board", "/"],
      ["session", "/sessions/ses_ui_live"],
      ["analytics", "/analytics"],
      ["instances", "/instances"],
    ] as const;
    const cookies = await context.cookies();
    for (const [width, height] of [
      [1440, 900],
      [390, 844],
    ]) {
      for (const colorScheme of ["light", "dark"] as const) {
        const ctx = await browser.newContext({ viewport: { width, height }, colorScheme });
        await ctx.addCookies(cookies);
        const p = await ctx.newPage();
        const hydrationErrors: string[] = [];
        p.on(
          "console",
          (m) =>
            m.type() === "error" &&
            /hydrat|did not match|didn't match/i.test(m.text()) &&
            hydrationErrors.push(m.text()),
        );
        p.on(
          "pageerror",
          (e) => /hydrat|did not match|didn't match/i.test(e.message) && hydrationErrors.push(e.message),
        );
        for (const [name, route] of pages) {
          await p.goto(`${server.url}${route}`);
          await p.waitForLoadState("networkidle");
          const scrollWidth = await p.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(scrollWidth <= width + 1, `${name} at ${width}px wide scrolls sideways (${scrollWidth}px)`);
          assert.equal(
            await p.evaluate(() => document.documentElement.dataset.theme),
            colorScheme,
            `${name}: the theme follows the system`,
          );
          await shootPage(p, `${name}-${width}x${height}-${colorScheme}`);
        }
        assert.deepEqual(hydrationErrors, [], "server HTML and the first client render agree");
        await p.goto(`${server.url}/login`).catch(() => {});
        await ctx.close();
      }
    }
    const anonymous = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const login = await anonymous.newPage();
    await login.goto(`${server.url}/login`);
    await shootPage(login, "login-390x844-light");
    await anonymous.close();
  });

  test("after a reconnect the board re-syncs what it missed", async () => {
    await page.goto(server.url);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    await server.stop();
    await page.getByTestId("connection").filter({ hasText: "Reconnecting" }).waitFor();
    // Meanwhile another server on the same database takes an event this page cannot be told of.
    const side = await startServer({ dataDir: server.dataDir });
    await postEvents(side, { events: [created("ses_ui_missed", "Happened while you were offline")] });
    await side.stop();
    await server.restart();
    await page.locator('[data-session-id="ses_ui_missed"]').waitFor({ timeout: 30_000 });
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
  });

  test("changing the dashboard password signs every browser out", async () => {
    // A new server on the same data with another password; cookies for 127.0.0.1 go to any port.
    await server.stop();
    const changed = await startServer({ dataDir: server.dataDir, env: { FRONTEND_PASSWORD: "a-brand-new-password" } });
    try {
      const p = await context.newPage();
      await p.goto(`${changed.url}/`);
      assert.equal(new URL(p.url()).pathname, "/login");
      const status = await p.evaluate(async () => (await fetch("/api/sessions")).status);
      assert.equal(status, 401);
      await p.close();
    } finally {
      await changed.stop();
      await server.restart();
    }
  });
});

async function shoot(name: string) {
  await shootPage(page, name);
}

async function shootPage(p: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
