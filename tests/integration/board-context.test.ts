import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, signIn } from "../support/browser";
import { eventId, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/**
 * Context on blocking items (issue 14, item 7, and streamed text from item 11), in Chromium
 * against the real server: what a question offers, what a permission is for, an error's first
 * line, a retry's next try, files changed, and answer text while it streams. Payloads are shaped
 * as OpenCode 1.18 sends them (captured streams in /work/shared/opencode); no machine is
 * connected, so nothing here can be acted on: the context must show all the same.
 */

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const DIR = "/home/dev/webapp";

const ev = (type: string, properties: Record<string, unknown>, time = Date.now()): WireEvent => ({
  id: eventId(),
  type,
  hostname: "ctx-host",
  directory: DIR,
  time,
  properties,
});

const created = (id: string, title: string, extra: Record<string, unknown> = {}) =>
  ev("session.created", {
    sessionID: id,
    info: {
      id,
      slug: "s",
      projectID: "global",
      directory: DIR,
      title,
      time: { created: Date.now(), updated: Date.now() },
      ...extra,
    },
  });
const busy = (sessionID: string) => ev("session.status", { sessionID, status: { type: "busy" } });

async function post(...events: WireEvent[]) {
  const res = await postEvents(server, { events });
  assert.equal(res.status, 202, res.text);
}

async function shoot(name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `board-context-${name}.png`), fullPage: true });
}

const row = (id: string) => page.locator(`[data-session-id="${id}"]`).first();

/**
 * The page's text, hidden parts included (closed <details>, entries not painted), but not the
 * scripts that carry the server render's data.
 */
// A string, not a function: tsx names functions with a helper the page does not have.
const documentText = () =>
  page.evaluate<string>(`(() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement?.closest("script, style, template") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    let text = "";
    while (walker.nextNode()) text += walker.currentNode.textContent ?? "";
    return text;
  })()`);

/** Waits until a timeline entry's text (after its clock) is `want`. */
const entryShows = (key: string, want: string) =>
  page.waitForFunction(
    ([k, w]) => (document.querySelector(`[data-key="${k}"]`)?.textContent ?? "").trim().endsWith(w),
    [key, want] as const,
  );

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await signIn(context, server.url, server.password);

  await post(
    // A question (serve-question-answered.jsonl).
    created("ses_ctx_question", "Pick a colour"),
    busy("ses_ctx_question"),
    ev("question.asked", {
      id: "que_ctx_1",
      sessionID: "ses_ctx_question",
      questions: [
        {
          question: "Which color should the button be?",
          header: "Color",
          options: [
            { label: "Red", description: "warm" },
            { label: "Blue", description: "cool" },
          ],
        },
      ],
      tool: { messageID: "msg_ctx_q", callID: "call_55" },
    }),
    // A read outside the project (OpenCode's external-directory check: the glob and the file).
    created("ses_ctx_external", "Read the nginx config"),
    busy("ses_ctx_external"),
    ev("permission.asked", {
      id: "per_ctx_ext",
      sessionID: "ses_ctx_external",
      permission: "external_directory",
      patterns: ["/etc/nginx/*"],
      always: ["/etc/nginx/*"],
      metadata: { filepath: "/etc/nginx/nginx.conf", parentDir: "/etc/nginx" },
      tool: { messageID: "msg_ctx_e", callID: "call_7" },
    }),
    // An edit with its diff.
    created("ses_ctx_edit", "Tidy the app"),
    busy("ses_ctx_edit"),
    ev("permission.asked", {
      id: "per_ctx_edit",
      sessionID: "ses_ctx_edit",
      permission: "edit",
      patterns: ["src/app.ts"],
      always: ["*"],
      metadata: {
        filepath: `${DIR}/src/app.ts`,
        diff: "Index: src/app.ts\n--- src/app.ts\n+++ src/app.ts\n@@ -1,2 +1,3 @@\n-old\n+new\n+more\n same\n",
      },
      tool: { messageID: "msg_ctx_d", callID: "call_8" },
    }),
    // An error whose message carries a Bun stack trace.
    created("ses_ctx_error", "Fetch the feed"),
    busy("ses_ctx_error"),
    ev("session.error", {
      sessionID: "ses_ctx_error",
      error: {
        name: "UnknownError",
        data: {
          message:
            "TypeError: fetch failed\n    at fetch (native:1:11)\n    at loadFeed (/home/dev/webapp/feed.ts:12:9)\n" +
            "    at processTicksAndRejections (native:7:39)\n    at run (/home/dev/webapp/index.ts:4:3)\n    at <anonymous>",
        },
      },
    }),
    // A provider retry (serve-provider-500-retry-then-abort.jsonl), the next try 90 s away.
    created("ses_ctx_retry", "Call the provider"),
    busy("ses_ctx_retry"),
    ev("session.status", {
      sessionID: "ses_ctx_retry",
      status: {
        type: "retry",
        attempt: 3,
        message: "The fake server had an internal error",
        next: Date.now() + 90_000,
      },
    }),
    // OpenCode's summary says 0 files while a step's patch names one (serve-permission-always-then-no-prompt.jsonl).
    created("ses_ctx_files", "Write a file"),
    ev("session.updated", {
      sessionID: "ses_ctx_files",
      info: {
        id: "ses_ctx_files",
        slug: "s",
        projectID: "global",
        directory: DIR,
        title: "Write a file",
        summary: { additions: 0, deletions: 0, files: 0 },
        time: { created: Date.now(), updated: Date.now() },
      },
    }),
    ev("session.diff", { sessionID: "ses_ctx_files", diff: [] }),
    ev("message.part.updated", {
      sessionID: "ses_ctx_files",
      part: {
        id: "prt_ctx_patch",
        messageID: "msg_ctx_f",
        sessionID: "ses_ctx_files",
        type: "patch",
        hash: "3e4e748e56545638fc5fd64b1420009c819931bb",
        files: [`${DIR}/out.txt`],
      },
      time: Date.now(),
    }),
  );
  await page.goto(server.url);
  await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

describe("the board row", () => {
  test("a question shows its options, though it cannot be answered from here", async () => {
    const options = row("ses_ctx_question").getByTestId("question-options");
    await options.waitFor();
    const text = await options.innerText();
    assert.match(text, /Red/);
    assert.match(text, /Blue/);
  });

  test("a permission names its file (not only the glob) and its diff size, on one line", async () => {
    const external = row("ses_ctx_external");
    assert.match(
      await external.getByTestId("attention-reason").innerText(),
      /external_directory: \/etc\/nginx\/nginx\.conf/,
    );
    const edit = row("ses_ctx_edit");
    assert.match(await edit.getByTestId("attention-reason").innerText(), /edit: \/home\/dev\/webapp\/src\/app\.ts/);
    const facts = edit.getByTestId("permission-context");
    await facts.waitFor();
    assert.match(await facts.innerText(), /\+2 −1 lines/);
    const box = await facts.boundingBox();
    assert.ok(box && box.height < 30, `one line high: ${box?.height}`);
  });

  test("an error shows its first line; the stack trace only on demand", async () => {
    const error = row("ses_ctx_error");
    const reason = await error.getByTestId("attention-reason").innerText();
    assert.match(reason, /^Error: TypeError: fetch failed/);
    assert.doesNotMatch(reason, /loadFeed/);
    assert.doesNotMatch(await error.innerText(), /loadFeed/, "the trace is folded away");
    await error.getByText("Details").click();
    await error.getByTestId("error-details").filter({ hasText: "loadFeed" }).waitFor();
  });

  test("a retrying row shows the attempt, the reason and when it tries next", async () => {
    const retry = row("ses_ctx_retry").getByTestId("retry-context");
    await retry.waitFor();
    assert.match(
      await retry.innerText(),
      /^Attempt 3 · The fake server had an internal error · next try in (1m \d\ds|\d+s)$/,
    );
    await shoot("board");
  });
});

describe("the session page", () => {
  test("a question shows its options read-only", async () => {
    await page.goto(`${server.url}/sessions/ses_ctx_question`);
    const options = page.getByTestId("question-options");
    await options.waitFor();
    const text = await options.innerText();
    assert.match(text, /Which color should the button be\?/);
    assert.match(text, /Red\s+warm/);
    assert.match(text, /Blue\s+cool/);
  });

  test("a permission shows everything it is for", async () => {
    await page.goto(`${server.url}/sessions/ses_ctx_external`);
    const facts = page.getByTestId("permission-context");
    await facts.waitFor();
    const text = await facts.innerText();
    assert.match(text, /File\s+\/etc\/nginx\/nginx\.conf/);
    assert.match(text, /Directory\s+\/etc\/nginx/);
    assert.match(text, /Pattern\s+\/etc\/nginx\/\*/);
    await shoot("permission");
  });

  test("an error appears once, as its first line, with the details on demand", async () => {
    await page.goto(`${server.url}/sessions/ses_ctx_error`);
    await page.getByTestId("session-attention").waitFor();
    const all = await documentText();
    assert.equal(all.split("TypeError: fetch failed").length - 1, 1, "the error's first line, once");
    assert.equal(all.split("loadFeed").length - 1, 1, "the trace, once");
    const details = page.getByTestId("error-details");
    assert.equal(await details.isVisible(), false, "the trace is folded away");
    await page.getByTestId("session-attention").getByText("Details").click();
    await details.filter({ hasText: "loadFeed" }).waitFor();
    await shoot("error");
  });

  test("a retrying session says when it tries next", async () => {
    await page.goto(`${server.url}/sessions/ses_ctx_retry`);
    const retry = page.getByTestId("retry-context");
    await retry.waitFor();
    assert.match(await retry.innerText(), /Attempt 3 · The fake server had an internal error · next try in/);
  });

  test("the files changed agree with the timeline", async () => {
    await page.goto(`${server.url}/sessions/ses_ctx_files`);
    const patch = page.locator('[data-key="prt_ctx_patch"]');
    await patch.waitFor();
    assert.match((await patch.textContent()) ?? "", /1 file changed/);
    const files = page.locator("aside section").filter({ has: page.getByRole("heading", { name: "Files changed" }) });
    assert.match(await files.innerText(), /1 file ·/);
    assert.match(await files.innerText(), /out\.txt/);
  });

  test("answer text appears while it streams, growing, before the message completes", async () => {
    const sessionID = "ses_ctx_stream";
    const messageID = "msg_ctx_stream_a";
    const partID = "prt_ctx_stream_1";
    const start = Date.now();
    await post(
      created(sessionID, "Explain the answer"),
      busy(sessionID),
      ev("message.updated", {
        sessionID,
        info: {
          id: messageID,
          sessionID,
          role: "assistant",
          mode: "build",
          agent: "build",
          path: { cwd: DIR, root: DIR },
          cost: 0,
          tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
          modelID: "fake-model",
          providerID: "fake",
          time: { created: start },
        },
      }),
    );
    await page.goto(`${server.url}/sessions/${sessionID}`);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    // OpenCode opens the part empty, then streams it in deltas; the plugin sends the text so far.
    await post(
      ev("message.part.updated", {
        sessionID,
        part: { id: partID, messageID, sessionID, type: "text", text: "", time: { start } },
        time: start,
      }),
    );
    const growing = ["The answer", "The answer is forty", "The answer is forty-two, because"];
    for (const text of growing) {
      await post(
        ev("message.part.delta", { sessionID, messageID, partID, field: "text", partType: "text", start, text }),
      );
      await entryShows(partID, text);
      assert.equal(await page.getByTestId("streaming-text").count(), 1, "shown as streaming");
    }
    await shoot("streaming");
    assert.equal(await page.getByText("Working…").count(), 1, "the turn is still under way");

    const final = "The answer is forty-two, because it is.";
    await post(
      ev("message.part.updated", {
        sessionID,
        part: { id: partID, messageID, sessionID, type: "text", text: final, time: { start, end: Date.now() } },
        time: Date.now(),
      }),
    );
    await entryShows(partID, final);
    await page.getByTestId("streaming-text").waitFor({ state: "detached" });
  });
});
