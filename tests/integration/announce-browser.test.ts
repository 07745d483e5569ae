import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { eventId, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";
import { writeTinyKokoro } from "../fixtures/tts/tiny-kokoro";

/**
 * The real <Announcer> in real Chromium tabs: each tab has its own socket.io connection to the
 * real server, events are posted to /events as a plugin would, speech is fetched from /api/tts
 * (the tiny Kokoro model) and played by the browser. Only one tab speaks; closing it hands over;
 * the session open in a visible tab and subagents stay silent.
 *
 * The page is served from another 127.0.0.1 port by this test (the app has no test routes); it
 * proxies /api/* to the server, and its socket connects to the server directly.
 */

const CHROMIUM = "/usr/bin/chromium";
const root = path.resolve(import.meta.dirname, "../..");

describe(
  "announcements in the browser",
  { skip: existsSync(CHROMIUM) ? false : "Chromium is not installed (apt-get install -y chromium)" },
  () => {
    let server: TestServer;
    let browserOnly: TestServer;
    const pages: Server[] = [];
    let pageUrl = "";
    let browserOnlyUrl = "";
    let browser: Browser;
    let context: BrowserContext;
    const dir = mkdtempSync(path.join(tmpdir(), "ocd-announce-"));
    let js = "";
    type Report = {
      connected: boolean;
      played: { src: string; ended: boolean; error: string | null }[];
      label: string | null;
      title: string | null;
      activated: boolean;
    };
    let lastReport: Report | null = null;

    /**
     * Serves the test page for a dashboard on its own 127.0.0.1 port, proxying /api/* to it. The
     * page is another origin, so each dashboard starts with it in ALLOWED_ORIGINS (the live socket
     * refuses other origins): the page's port is taken before its dashboard starts.
     */
    async function servePage(targetOf: () => TestServer) {
      const htmlFor = (
        target: TestServer,
      ) => `<!doctype html><html><head><meta charset="utf-8"><title>announcer</title></head><body><div id="root"></div>
<script>window.__config = ${JSON.stringify({ serverUrl: target.url, password: target.password })};</script>
<script type="module" src="/page.js"></script></body></html>`;
      const page = createServer(async (req, res) => {
        const target = targetOf();
        const html = htmlFor(target);
        if (req.url === "/page.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(js);
        if (req.url === "/report") {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          lastReport = JSON.parse(Buffer.concat(chunks).toString());
          return void res.writeHead(204).end();
        }
        if (req.url?.startsWith("/api/")) {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          const headers: Record<string, string> = {};
          for (const h of ["x-api-key", "content-type"]) if (req.headers[h]) headers[h] = String(req.headers[h]);
          const upstream = await fetch(target.url + req.url, {
            method: req.method,
            headers,
            body: chunks.length ? Buffer.concat(chunks) : undefined,
          });
          const body = Buffer.from(await upstream.arrayBuffer());
          res.writeHead(upstream.status, {
            "content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
            "content-length": body.length,
          });
          return void res.end(body);
        }
        res.writeHead(200, { "content-type": "text/html" }).end(html);
      });
      await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
      pages.push(page);
      return `http://127.0.0.1:${(page.address() as { port: number }).port}`;
    }

    before(async () => {
      writeTinyKokoro(path.join(dir, "model"));
      pageUrl = await servePage(() => server);
      browserOnlyUrl = await servePage(() => browserOnly);
      [server, browserOnly] = await Promise.all([
        startServer({
          env: { DISABLE_TTS: "false", TTS_MODEL_DIR: path.join(dir, "model"), ALLOWED_ORIGINS: pageUrl },
        }),
        startServer({ env: { DISABLE_TTS: "false", TTS_ENGINE: "browser", ALLOWED_ORIGINS: browserOnlyUrl } }),
      ]);
      const bundle = await build({
        entryPoints: [path.join(root, "tests/fixtures/tts/announcer-page.tsx")],
        bundle: true,
        write: false,
        format: "esm",
        platform: "browser",
        jsx: "automatic",
        define: { "process.env.NODE_ENV": '"production"' },
        alias: { "next/navigation": path.join(root, "tests/fixtures/tts/next-navigation-stub.ts") },
        logLevel: "error",
      });
      js = bundle.outputFiles[0].text;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-gpu",
          "--autoplay-policy=no-user-gesture-required",
        ],
      });
      context = await browser.newContext();
    });

    after(async () => {
      await browser?.close();
      for (const page of pages) await new Promise((r) => page.close(r));
      await server?.dispose();
      await browserOnly?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    async function open(route = "/", base = pageUrl) {
      const tab = await context.newPage();
      tab.on("pageerror", (error) => console.error(`page error: ${error.message}`));
      await tab.goto(base + route);
      await tab.waitForFunction(() => (window as unknown as { __connected?: boolean }).__connected === true);
      return tab;
    }

    const speaks = async (tab: Page) =>
      ((await tab.getByTestId("announcer-toggle").getAttribute("title")) ?? "").includes("this tab speaks");
    const played = (tab: Page) =>
      tab.evaluate(
        () => (window as unknown as { __played: { src: string; ended: boolean; error: string | null }[] }).__played,
      );

    async function waitFor<T>(what: string, probe: () => Promise<T | false>, timeoutMs = 10_000): Promise<T> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== false) return value;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const pageState = (tab: Page) =>
      tab.evaluate(() => {
        const w = window as unknown as { __spoken: string[]; __tones: number; __played: unknown[] };
        return { spoken: w.__spoken, tones: w.__tones, played: w.__played.length };
      });

    const ev = (type: string, properties: Record<string, unknown>): WireEvent => ({
      id: eventId(),
      type,
      hostname: "vps-2",
      directory: "/srv/app",
      time: Date.now(),
      properties,
    });
    const created = (id: string, title: string, parentID?: string) =>
      ev("session.created", {
        info: {
          id,
          title,
          directory: "/srv/app",
          ...(parentID ? { parentID } : {}),
          time: { created: Date.now(), updated: Date.now() },
        },
      });
    const permission = (sessionID: string, command: string) =>
      ev("permission.asked", { id: `per_${eventId()}`, sessionID, permission: "bash", patterns: [command] });

    test("two tabs: only the leader speaks the announcement, with the server's voice, to the end", async () => {
      const tabs = [await open(), await open()];
      const leader = await waitFor("one leader", async () => {
        const flags = await Promise.all(tabs.map(speaks));
        return flags.filter(Boolean).length === 1 ? tabs[flags.indexOf(true)] : false;
      });
      const follower = tabs.find((t) => t !== leader)!;

      assert.equal(
        (
          await postEvents(server, {
            events: [created("ses_login", "fix login bug"), permission("ses_login", "npm test")],
          })
        ).status,
        202,
      );
      const [entry] = await waitFor("the leader to play", async () => {
        const list = await played(leader);
        return list.length > 0 && list[0].ended ? list : false;
      });
      assert.equal(entry.error, null);
      const src = new URL(entry.src);
      assert.equal(src.pathname, "/api/tts");
      assert.equal(src.searchParams.get("text"), "vps-2, fix login bug: needs permission to run bash");
      await new Promise((r) => setTimeout(r, 2_000)); // the follower's coalescing window has long closed
      assert.deepEqual(await played(follower), [], "the other tab stays silent");
      assert.equal((await played(leader)).length, 1, "said once");

      // Closing the leader tab hands over to the other one.
      const closedAt = Date.now();
      await leader.close({ runBeforeUnload: true });
      await waitFor("the other tab to take over", async () => (await speaks(follower)) || false, 6_000);
      const handover = Date.now() - closedAt;

      await postEvents(server, {
        events: [
          created("ses_docs", "write docs"),
          ev("session.error", { sessionID: "ses_docs", error: { name: "APIError", data: { message: "overloaded" } } }),
        ],
      });
      const list = await waitFor("the new leader to play", async () => {
        const l = await played(follower);
        return l.length > 0 && l[0].ended ? l : false;
      });
      assert.equal(new URL(list[0].src).searchParams.get("text"), "vps-2, write docs: stopped with an error");
      console.log(`hand-over after closing the leader tab: ${handover} ms`);
      await follower.close();
    });

    test("the session open in a visible tab, and subagents, are not announced", async () => {
      const board = await open("/");
      const viewer = await open("/sessions/ses_viewed");
      assert.equal(await viewer.evaluate(() => document.visibilityState), "visible");
      await waitFor("a leader", async () => (await speaks(board)) || (await speaks(viewer)) || false);
      await new Promise((r) => setTimeout(r, 300)); // presence of the viewer reaches the board tab

      await postEvents(server, {
        events: [
          created("ses_viewed", "open in a tab"),
          created("ses_parent", "parent work"),
          created("ses_child", "explore (@explore subagent)", "ses_parent"),
          permission("ses_viewed", "ls"),
          permission("ses_child", "ls"),
        ],
      });
      await new Promise((r) => setTimeout(r, 3_000));
      assert.deepEqual([...(await played(board)), ...(await played(viewer))], []);

      // A third session is announced as usual, by exactly one of the two tabs.
      await postEvents(server, { events: [created("ses_other", "other work"), permission("ses_other", "ls")] });
      await waitFor("one tab to play", async () => {
        const all = [...(await played(board)), ...(await played(viewer))];
        return all.length > 0 && all.every((p) => p.ended) ? all : false;
      });
      await new Promise((r) => setTimeout(r, 500));
      const all = [...(await played(board)), ...(await played(viewer))];
      assert.equal(all.length, 1);
      assert.equal(new URL(all[0].src).searchParams.get("text"), "vps-2, other work: needs permission to run bash");
      await board.close();
      await viewer.close();
    });

    test("the settings panel is reachable by keyboard and its controls are labelled", async () => {
      const tab = await open("/");
      await tab.getByTestId("announcer-toggle").focus();
      await tab.keyboard.press("Enter");
      await tab.getByLabel("Mute").waitFor();
      for (const label of [
        "Mute",
        "Volume",
        "Voice",
        "Voice",
        "Chime only",
        "Needs permission",
        "Has a question",
        "Finished its turn",
        "Stopped with an error",
      ]) {
        assert.equal((await tab.getByLabel(label, { exact: label === "Voice" }).count()) >= 1, true, label);
      }
      await waitFor(
        "the engine line",
        async () => ((await tab.getByTestId("announcer-engine").textContent()) ?? "").includes("Kokoro") || false,
      );
      await tab.getByLabel("Finished its turn").uncheck();
      await tab.getByLabel("Chime only").check();
      const stored = await tab.evaluate(() => JSON.parse(localStorage.getItem("ocd-announcer-settings") ?? "{}"));
      assert.equal(stored.reasons.idle, false);
      assert.equal(stored.sound, "chime");
      await tab.evaluate(() => localStorage.removeItem("ocd-announcer-settings"));
      await tab.close();
    });

    test("without a server voice the browser's speechSynthesis speaks, after a generated chime when chosen", async () => {
      const base = browserOnlyUrl;
      const tab = await open("/", base);
      await tab.evaluate(() => localStorage.setItem("ocd-announcer-settings", JSON.stringify({ sound: "both" })));
      await tab.reload();
      await tab.waitForFunction(() => (window as unknown as { __connected?: boolean }).__connected === true);
      await waitFor("leadership", async () => (await speaks(tab)) || false);
      await postEvents(browserOnly, {
        events: [
          created("ses_q", "pick a database"),
          ev("question.asked", {
            id: `que_${eventId()}`,
            sessionID: "ses_q",
            questions: [{ question: "Postgres or SQLite?", header: "DB", options: [] }],
          }),
        ],
      });
      const state = await waitFor("speech", async () => {
        const st = await pageState(tab);
        return st.spoken.length > 0 ? st : false;
      });
      assert.deepEqual(state.spoken, ["vps-2, pick a database: has a question: Postgres or SQLite?"]);
      assert.equal(state.tones, 2, "the chime's two tones came first");
      assert.equal(state.played, 0, "no server audio");
      await tab.close();
    });

    test("when the browser blocks sound (no user gesture yet), a click on the button says what was missed", async () => {
      // A browser with desktop Chrome's autoplay policy: sound only after the user interacted.
      const strict = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-gpu",
          "--autoplay-policy=document-user-activation-required",
        ],
      });
      try {
        const tab = await (await strict.newContext()).newPage();
        lastReport = null;
        await tab.goto(pageUrl + "/?report");
        // Only the page's own reports are read from here on: no evaluate, no locator reads.
        await waitFor(
          "a connected leader",
          async () => (lastReport?.connected && lastReport.title?.includes("this tab speaks")) || false,
        );
        await postEvents(server, { events: [created("ses_blocked", "quiet tab"), permission("ses_blocked", "ls")] });
        const blocked = await waitFor("the blocked state", async () =>
          lastReport?.label === "Sound blocked: click to enable" ? lastReport : false,
        );
        assert.equal(blocked.activated, false);
        assert.match(blocked.played[0]?.error ?? "", /NotAllowedError/);
        await tab.getByTestId("announcer-toggle").click();
        const after = await waitFor("the missed announcement", async () =>
          lastReport && lastReport.played.length === 2 && lastReport.played[1].ended ? lastReport : false,
        );
        assert.equal(
          new URL(after.played[1].src).searchParams.get("text"),
          "vps-2, quiet tab: needs permission to run bash",
        );
        assert.equal(after.played[1].error, null);
        assert.equal(after.label, "Announcements");
      } finally {
        await strict.close();
      }
    });
  },
);
