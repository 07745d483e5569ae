// More of acting on sessions from the dashboard's pages (issue 13, "In the UI"; the first cases are
// in control-ui.test.ts): Stop, Always allow, Reject with a message, Dismiss, and a session that
// `opencode run` started. Real Chromium, the real dashboard (dist/server.js), the real OpenCode
// (`opencode serve` and `opencode run`, fake model) and the real plugin with its control connection.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, signIn } from "../support/browser.ts";
import { attentionOf, detailOf, rowOf, shoot, stopsWaitingForPermission } from "../support/control-ui.ts";
import { lastUserText, startFakeProvider, type FakeProvider } from "../support/fake-provider.ts";
import {
  makeOpencodeProject,
  runOpencode,
  waitFor,
  ROOT,
  type OpencodeProject,
  type OpencodeServer,
} from "../support/opencode.ts";
import type { OcMessage, OcMessageInfo, OcAssistantMessage } from "../support/opencode-payloads.ts";
import { startServer, type TestServer } from "../support/server.ts";
import {
  controlScript,
  sawInToolResult as sawInToolResultOf,
  startControlledMachine,
  toolRunsOf,
} from "../support/control-model.ts";
import type { SessionControl } from "../../lib/control/audit.ts";
import type { SessionListItem } from "../../lib/sessions/list-item.ts";
import { callApi } from "../support/client.ts";

const built = fs.existsSync(path.join(ROOT, "dist/server.js")) && fs.existsSync(path.join(ROOT, ".next/BUILD_ID"));
const skip = built ? false : "no production build (dist/server.js, .next): run `npm run build` first";

const MARKER = "browser-more-tool-ran";

let provider: FakeProvider;
let dashboard: TestServer;
let browser: Browser;
let page: Page;
const projects: OpencodeProject[] = [];
const servers: OpencodeServer[] = [];

before(async () => {
  if (!built) return;
  provider = await startFakeProvider(controlScript(MARKER));
  dashboard = await startServer({ env: { CONTROL_COMMAND_TTL_SECONDS: "60" } });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
const toolRuns = () => toolRunsOf(provider, MARKER);

const api = <T>(method: string, route: string, body?: unknown) => callApi<T>(dashboard, method, route, body);

async function board() {
  await page.goto(dashboard.url);
  await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
}

describe("control = full, more in the browser", { skip }, () => {
  let m: Awaited<ReturnType<typeof startControlledMachine>>;
  const idle = () => waitFor(async () => (await detail(m.id)).session?.status === "idle", 60_000, "idle");
  before(async () => {
    if (!built) return;
    m = await startControlledMachine({ provider, dashboard, hostname: "ui-more", control: "full", projects, servers });
    await m.prompt("say hello");
    await idle();
  });

  test("Stop on a busy row aborts the slow stream: the row stops working and says the stop was applied", async () => {
    await idle();
    await m.prompt("[slow] write a long story");
    await board();
    const row = rowOf(page, m.id);
    const stop = row.getByRole("button", { name: "Stop" });
    await stop.waitFor({ timeout: 60_000 });
    // Stopped once the model streams (an abort before OpenCode calls the model is another case).
    await waitFor(
      () => provider.requests.some((r) => lastUserText(r).includes("[slow]")),
      // OpenCode can take a long while to call the model on this loaded machine.
      120_000,
      "the slow stream under way",
    );
    assert.match(await row.innerText(), /Working/);
    await shoot(page, "control-board-busy");
    await stop.click();
    await row.locator('[data-testid="command-status"][data-status="applied"]').waitFor({ timeout: 30_000 });
    assert.match(await row.getByTestId("command-status").innerText(), /Stop: done/);
    await stop.waitFor({ state: "detached", timeout: 30_000 });
    await waitFor(async () => !/Working/.test(await row.innerText()), 30_000, "the row stops working");
    // OpenCode cut the stream short: its reply ends with the abort, not the story's end.
    const lastReply = async () =>
      (await m.oc.api<OcMessage[]>("GET", `/session/${m.id}/message`))
        .map((x) => x.info)
        .filter((x: OcMessageInfo): x is OcAssistantMessage => x.role === "assistant")
        .pop();
    await waitFor(async () => (await lastReply())?.error, 30_000, "the reply's end").catch(() => {});
    assert.equal((await lastReply())?.error?.name, "MessageAbortedError");
    await idle();
    assert.notEqual((await detail(m.id)).session?.attention?.reason, "error", "a stop needs nobody");
  });

  test("Reject with a message from the board: the model sees the feedback", async () => {
    await idle();
    await m.prompt("run bash please");
    await board();
    await attentionOf(page, m.id, "permission");
    const actions = rowOf(page, m.id).getByTestId("permission-actions");
    await actions.getByRole("button", { name: "Reject with a message…" }).click();
    const feedback = "not now, use the Makefile target";
    await actions.getByLabel("Message for the agent").fill(feedback);
    const runsBefore = toolRuns();
    await actions.getByRole("button", { name: "Reject", exact: true }).click();
    await waitFor(() => sawInToolResultOf(provider, feedback), 30_000, "the model saw the feedback");
    await stopsWaitingForPermission(page, m.id);
    assert.equal(toolRuns(), runsBefore, "the bash call did not run");
    const entry = (await detail(m.id)).timeline?.entries.find(
      (e) => e.kind === "control" && e.title?.includes(feedback),
    );
    assert.equal(entry?.title, `Rejected from the dashboard: ${feedback}`);
  });

  test("Dismiss a question from the session page: it leaves OpenCode and the page", async () => {
    await idle();
    await m.prompt("ask me a question");
    const question = await waitFor(
      async () => (await detail(m.id)).pending?.find((p) => p.kind === "question"),
      60_000,
      "a pending question",
    );
    await page.goto(`${dashboard.url}/sessions/${m.id}`);
    const form = page.getByTestId("question-form");
    await form.waitFor({ timeout: 30_000 });
    await form.getByRole("button", { name: "Dismiss question" }).click();
    await form.waitFor({ state: "detached", timeout: 30_000 });
    const asked = await m.oc.api<{ id: string }[]>("GET", "/question");
    assert.ok(!asked.some((q) => q.id === question.id), "OpenCode no longer asks it");
    await page
      .locator('[data-kind="control"]', { hasText: "Question dismissed from the dashboard" })
      .filter({ hasText: "done" })
      .waitFor({ timeout: 30_000 });
    assert.deepEqual((await detail(m.id)).pending, []);
  });

  // Last on this machine: "always" holds for the rest of its OpenCode process's life.
  test("Always allow from the board: the tool runs, and the next bash call asks nothing", async () => {
    await idle();
    await m.prompt("run bash please");
    await board();
    await attentionOf(page, m.id, "permission");
    const row = rowOf(page, m.id);
    const runsBefore = toolRuns();
    await row.getByRole("button", { name: "Always allow" }).click();
    await waitFor(() => toolRuns() > runsBefore, 30_000, "the bash tool ran");
    await stopsWaitingForPermission(page, m.id);
    await row.locator('[data-testid="command-status"][data-status="applied"]').waitFor({ timeout: 30_000 });
    assert.match(await row.getByTestId("command-status").innerText(), /Always allow: done/);

    await idle();
    const asked = (await detail(m.id)).timeline?.entries.filter((e) => e.kind === "permission").length;
    await m.prompt("run bash please");
    await waitFor(() => toolRuns() > runsBefore + 1, 60_000, "the bash tool ran again without asking");
    await idle();
    assert.equal((await detail(m.id)).timeline?.entries.filter((e) => e.kind === "permission").length, asked);
  });
});

describe("a session started with `opencode run`", { skip }, () => {
  test("while it runs, permissions are refused with the reason; once it ended, its row says why nothing is offered", async () => {
    const p = makeOpencodeProject({
      providerURL: provider.baseURL,
      install: "file",
      dashboardToml: `url = "${dashboard.url}"\napiKey = "${dashboard.apiKey}"\nhostname = "ui-run"\ncontrol = "full"\n`,
      config: { permission: { bash: "ask" } },
    });
    projects.push(p);
    // A slow reply keeps `opencode run` (and its control connection) alive for a while.
    const run = runOpencode(p, "[slow] write a long story", { timeoutMs: 300_000 });
    const id = await waitFor(
      async () =>
        (await api<{ sessions: SessionListItem[] }>("GET", "/api/sessions?hostname=ui-run&parent=any")).json.sessions[0]
          ?.id,
      240_000,
      "the run's session on the dashboard",
    );
    const live = await waitFor(
      async () => {
        const c = (await api<{ sessions: SessionControl[] }>("GET", `/api/control?ids=${id}`)).json.sessions[0];
        return c?.abort?.ok && c["permission.reply"] ? c : null;
      },
      60_000,
      "the run's control connection",
    );
    assert.deepEqual(live["permission.reply"], {
      ok: false,
      reason: "started with `opencode run`: it answers permissions itself",
    });

    const result = await run;
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    await board();
    const row = rowOf(page, id);
    const reason = row.getByTestId("control-unavailable");
    await reason.waitFor({ timeout: 30_000 });
    assert.match(await reason.innerText(), /^started with `opencode run`, which has ended/);
    assert.equal(await row.getByRole("textbox", { name: "Next prompt" }).count(), 0);
    await shoot(page, "control-board-run-ended");
    const prompt = await api<{ error?: { message: string } }>("POST", `/api/sessions/${id}/prompt`, { text: "hi" });
    assert.equal(prompt.status, 503);
    assert.match(prompt.json.error?.message ?? "", /started with `opencode run`, which has ended/);
  });
});
