import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, signIn } from "../support/browser";
import { eventId, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";
import { writeTinyKokoro } from "../fixtures/tts/tiny-kokoro";

/**
 * The announcer as the dashboard mounts it (the top bar of every page), in the built app: signed
 * in with the login cookie (no API key), Chromium as tests/support/browser.ts launches it (no
 * autoplay flag), the tiny Kokoro model on the server. What each tab plays is reported through an
 * exposed binding, so the test never evaluates script in a page (that counts as a user gesture).
 */

type Play = { tab: Page; src: string; event: "play" | "ended" | "error"; detail?: string };

describe(
  "announcements in the dashboard",
  { skip: existsSync("/usr/bin/chromium") ? false : "Chromium is not installed (apt-get install -y chromium)" },
  () => {
    let server: TestServer;
    let browser: Browser;
    let context: BrowserContext;
    const plays: Play[] = [];
    const dir = mkdtempSync(path.join(tmpdir(), "ocd-announce-app-"));

    before(async () => {
      writeTinyKokoro(path.join(dir, "model"));
      server = await startServer({ env: { DISABLE_TTS: "false", TTS_MODEL_DIR: path.join(dir, "model") } });
      browser = await launchBrowser();
      context = await browser.newContext();
      await context.exposeBinding(
        "__ocdReport",
        ({ page }, event: Play["event"], src: string, detail?: string) =>
          void plays.push({ tab: page, event, src, detail }),
      );
      await context.addInitScript(() => {
        const report = (window as unknown as { __ocdReport: (e: string, src: string, detail?: string) => void })
          .__ocdReport;
        const play = HTMLMediaElement.prototype.play;
        HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
          const src = this.currentSrc || this.src;
          report("play", src);
          this.addEventListener("ended", () => report("ended", src));
          return play.call(this).catch((error: Error) => {
            report("error", src, `${error.name}: ${error.message}`);
            throw error;
          });
        };
      });
    });

    after(async () => {
      await browser?.close();
      await server?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const ev = (type: string, properties: Record<string, unknown>): WireEvent => ({
      id: eventId(),
      type,
      hostname: "vps-2",
      directory: "/srv/app",
      time: Date.now(),
      properties,
    });
    const created = (id: string, title: string) =>
      ev("session.created", {
        info: { id, title, directory: "/srv/app", time: { created: Date.now(), updated: Date.now() } },
      });
    const permission = (sessionID: string) =>
      ev("permission.asked", { id: `per_${eventId()}`, sessionID, permission: "bash", patterns: ["npm test"] });

    async function waitFor<T>(what: string, probe: () => T | false, timeoutMs = 15_000): Promise<T> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value !== false) return value;
        if (Date.now() > until)
          throw new Error(
            `timed out waiting for ${what}; plays: ${JSON.stringify(plays.map((p) => [p.event, p.src.slice(0, 80), p.detail]))}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    test("signed in, the board tab says it with the server's voice; a tab showing the session keeps it quiet", async () => {
      await postEvents(server, { events: [created("ses_app_viewed", "open elsewhere")] });
      const board = await signIn(context, server.url, server.password); // the click on "Sign in" is this tab's user gesture
      await board.getByRole("button", { name: "Announcements" }).waitFor();
      await board.getByTestId("connection").getByText("Live").waitFor(); // the socket is connected

      await postEvents(server, { events: [created("ses_app_login", "fix login bug"), permission("ses_app_login")] });
      const ended = await waitFor(
        "the announcement to play to the end",
        () => plays.find((p) => p.event === "ended") ?? false,
      );
      assert.equal(ended.tab, board);
      const src = new URL(ended.src);
      assert.equal(src.pathname, "/api/tts");
      assert.equal(src.searchParams.get("text"), "vps-2, fix login bug: needs permission to run bash");
      assert.deepEqual(
        plays.filter((p) => p.event === "error"),
        [],
      );

      // A second tab on the session's page: the board tab (the leader) stays quiet about that session.
      const viewer = await context.newPage();
      await viewer.goto(`${server.url}/sessions/ses_app_viewed`);
      await viewer.getByRole("button", { name: "Announcements" }).waitFor();
      await viewer.getByTestId("connection").getByText("Live").waitFor();
      await new Promise((r) => setTimeout(r, 1_500)); // a heartbeat carries the viewer's presence
      const before = plays.length;
      await postEvents(server, { events: [permission("ses_app_viewed")] });
      await new Promise((r) => setTimeout(r, 3_000));
      assert.deepEqual(plays.slice(before), [], "nothing is said about the session open in a visible tab");

      // …while another session is still announced, by one tab.
      await postEvents(server, { events: [created("ses_app_other", "other work"), permission("ses_app_other")] });
      const next = await waitFor(
        "the next announcement",
        () => plays.slice(before).find((p) => p.event === "ended") ?? false,
      );
      assert.equal(new URL(next.src).searchParams.get("text"), "vps-2, other work: needs permission to run bash");
      assert.equal(plays.slice(before).filter((p) => p.event === "play").length, 1);
    });
  },
);
