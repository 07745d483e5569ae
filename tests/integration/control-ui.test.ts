// Acting on sessions from the dashboard's pages (issue 13, "In the UI"): real Chromium on the real
// dashboard (dist/server.js), the real OpenCode (`opencode serve`, fake model) and the real plugin
// with its control connection. What the browser does is checked against what OpenCode then does.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { launchBrowser, signIn } from "../support/browser.ts";
import { attentionOf, detailOf, rowOf, shoot, stopsWaitingForPermission } from "../support/control-ui.ts";
import { lastUserText, startFakeProvider, type FakeProvider } from "../support/fake-provider.ts";
import { waitFor, ROOT, type OpencodeProject, type OpencodeServer } from "../support/opencode.ts";
import { startServer, type TestServer } from "../support/server.ts";
import {
  controlScript,
  sawInToolResult as sawInToolResultOf,
  startControlledMachine,
} from "../support/control-model.ts";

const built = fs.existsSync(path.join(ROOT, "dist/server.js")) && fs.existsSync(path.join(ROOT, ".next/BUILD_ID"));
const skip = built ? false : "no production build (dist/server.js, .next): run `npm run build` first";
/** The smallest touch target a phone layout may offer (WCAG 2.5.5, Apple's HIG). */
const MIN_TARGET_PX = 44;
const PHONE = { width: 375, height: 812 };

const script = controlScript("browser-tool-ran");

let provider: FakeProvider;
let dashboard: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const projects: OpencodeProject[] = [];
const servers: OpencodeServer[] = [];

before(async () => {
  if (!built) return;
  provider = await startFakeProvider(script);
  dashboard = await startServer({ env: { CONTROL_COMMAND_TTL_SECONDS: "60" } });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await signIn(context, dashboard.url, dashboard.password);
});
after(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
  await provider?.close();
  await dashboard?.dispose();
  for (const p of projects) p.cleanup();
});

const detail = (id: string) => detailOf(dashboard, id);

/** A machine at the given control level with one session on it (tests/support/control-model.ts). */
async function machine(hostname: string, control: "off" | "answer" | "full") {
  const m = await startControlledMachine({ provider, dashboard, hostname, control, projects, servers });
  const idle = () => waitFor(async () => (await detail(m.id)).session?.status === "idle", 180_000, `${hostname} idle`);
  return { ...m, idle };
}

/**
 * Waits until the dashboard has stored the session's permission: how long OpenCode and the fake
 * model take varies with the machine's load, and that wait is not what the browser checks are about.
 */
const permissionStored = (id: string) =>
  waitFor(async () => (await detail(id)).session?.attention?.reason === "permission", 180_000, "the permission stored");

const sawInToolResult = (marker: string) => sawInToolResultOf(provider, marker);
const toolRuns = () =>
  provider.requests.filter((r) =>
    r.messages.some((m) => m.role === "tool" && JSON.stringify(m.content).includes("browser-tool-ran")),
  ).length;

async function heightsOf(buttons: Locator) {
  const boxes = await Promise.all((await buttons.all()).map((b) => b.boundingBox()));
  return boxes.map((b) => b?.height ?? 0);
}

describe("control = full, in the browser", { skip }, () => {
  let m: Awaited<ReturnType<typeof machine>>;
  before(async () => {
    if (!built) return;
    m = await machine("ui-full", "full");
    await m.prompt("say hello");
    await m.idle();
  });

  test("a pending bash permission shows Allow once on the board; clicking it runs the tool", async () => {
    await m.prompt("run bash please");
    await permissionStored(m.id);
    await page.goto(dashboard.url);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    await attentionOf(page, m.id, "permission");
    const row = rowOf(page, m.id);
    const allow = row.getByRole("button", { name: "Allow once" });
    await allow.waitFor({ timeout: 30_000 });
    assert.equal(await row.getByRole("button", { name: "Always allow" }).count(), 1);
    assert.equal(await row.getByRole("button", { name: "Reject", exact: true }).count(), 1);
    await shoot(page, "control-board-permission");

    const runsBefore = toolRuns();
    await allow.click();
    await stopsWaitingForPermission(page, m.id);
    await waitFor(() => toolRuns() > runsBefore, 30_000, "the bash tool ran");
    await row.locator('[data-testid="command-status"][data-status="applied"]').waitFor({ timeout: 10_000 });
    assert.match(await row.getByTestId("command-status").innerText(), /Allow once: done/);
    await shoot(page, "control-board-allowed");
  });

  test("the keyboard: w focuses the first waiting session's Allow once, Enter allows", async () => {
    await m.idle();
    await m.prompt("run bash please");
    await permissionStored(m.id);
    await attentionOf(page, m.id, "permission");
    await rowOf(page, m.id).getByRole("button", { name: "Allow once" }).waitFor({ timeout: 30_000 });
    const runsBefore = toolRuns();
    await page.locator("body").click({ position: { x: 1, y: 1 } });
    await page.keyboard.press("w");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Allow once");
    await page.keyboard.press("Enter");
    await waitFor(() => toolRuns() > runsBefore, 30_000, "the bash tool ran");
    await stopsWaitingForPermission(page, m.id);
  });

  test("the session page shows the question's options; submitting one answers it", async () => {
    await m.idle();
    await m.prompt("ask me a question");
    await waitFor(
      async () => (await detail(m.id)).pending?.some((p) => p.kind === "question"),
      180_000,
      "a pending question",
    );
    await page.goto(`${dashboard.url}/sessions/${m.id}`);
    const form = page.getByTestId("question-form");
    await form.waitFor({ timeout: 30_000 });
    assert.match(await form.innerText(), /Which colour should the button be\?/);
    assert.equal(await form.getByRole("radio").count(), 2);
    // The form shows the options: the read-only list (blocking-context.tsx) does not repeat them.
    assert.equal(await page.getByTestId("question-options").count(), 0);
    await shoot(page, "control-session-question");
    await form.getByRole("radio", { name: /^Blue/ }).check();
    await form.getByRole("button", { name: "Submit" }).click();
    await waitFor(() => sawInToolResult("Blue"), 30_000, "the model got the answer");
    await form.waitFor({ state: "detached", timeout: 30_000 });
    // The timeline says what was done from here, and that it took effect (pushed live).
    const entry = page.locator('[data-kind="control"]', { hasText: "Answered from the dashboard: Blue" });
    await entry.filter({ hasText: "done" }).waitFor({ timeout: 30_000 });
  });

  test("the session page's prompt box sends the next prompt on Enter", async () => {
    await m.idle();
    const box = page.getByRole("textbox", { name: "Next prompt" });
    await box.waitFor({ timeout: 30_000 });
    await box.fill("first line");
    await box.press("Shift+Enter");
    await box.pressSequentially("prompt from the browser");
    assert.equal(await box.inputValue(), "first line\nprompt from the browser", "Shift+Enter is a new line");
    await box.press("Enter");
    await waitFor(
      () => provider.requests.some((r) => lastUserText(r).includes("prompt from the browser")),
      30_000,
      "the model got the prompt",
    );
    assert.equal(await box.inputValue(), "", "the box empties once the prompt is accepted");
  });

  test("at 375 px the action buttons are at least 44 px tall and nothing scrolls sideways", async () => {
    await m.idle();
    await m.prompt("run bash please");
    await permissionStored(m.id);
    const phone = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
    try {
      const p = await signIn(phone, dashboard.url, dashboard.password);
      await attentionOf(p, m.id, "permission");
      const actions = rowOf(p, m.id).getByTestId("permission-actions");
      await actions.getByRole("button", { name: "Allow once" }).waitFor({ timeout: 30_000 });
      const heights = await heightsOf(actions.getByRole("button"));
      assert.ok(heights.length >= 3);
      for (const h of heights) assert.ok(h >= MIN_TARGET_PX, `button height ${h} px`);
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `page is ${width} px wide`);
      await shoot(p, "control-phone");
      await actions.getByRole("button", { name: "Allow once" }).tap();
      await waitFor(async () => (await detail(m.id)).pending?.length === 0, 30_000, "answered");
    } finally {
      await phone.close();
    }
  });
});

describe("control = off, in the browser", { skip }, () => {
  test("a waiting row says why it cannot be answered here and offers no buttons; Hosts shows the level", async () => {
    const m = await machine("ui-off", "off");
    await m.prompt("run bash please");
    await permissionStored(m.id);
    await page.goto(dashboard.url);
    await attentionOf(page, m.id, "permission");
    const row = rowOf(page, m.id);
    const reason = row.getByTestId("control-unavailable");
    await reason.waitFor({ timeout: 30_000 });
    assert.match(await reason.innerText(), /control is off on ui-off/);
    assert.equal(await row.getByRole("button", { name: "Allow once" }).count(), 0);
    await shoot(page, "control-board-off");

    await page.goto(`${dashboard.url}/instances`);
    const host = page.getByTestId("instance").filter({ hasText: "ui-off" });
    assert.equal(await host.getByTestId("control-level").getAttribute("data-level"), "off");
    assert.match(await host.getByTestId("control-level").innerText(), /control = "answer"/);
    const full = page.getByTestId("instance").filter({ hasText: "ui-full" });
    assert.equal(await full.getByTestId("control-level").getAttribute("data-level"), "full");
    await shoot(page, "control-hosts");
  });
});
