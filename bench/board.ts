import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { closeDb, openDatabase } from "../lib/db/client";
import { migrateToLatest } from "../lib/db/migrations";
import { launchBrowser, signIn } from "../tests/support/browser";
import { startServer } from "../tests/support/server";

/**
 * The board with 5,000 sessions on 20 hosts (issue 14, "Weight"): a few blocked on the user
 * (permission, question, error), many finished turns, the rest idle history. Seeded straight into
 * SQLite, then loaded in Chromium as a signed-in user would: the HTML's decoded size, the DOM's
 * node count, DOMContentLoaded and first contentful paint, and whether every blocked session is
 * on the first screen. Targets: HTML ≤ 200 KB, first paint ≤ 1 s.
 */

const SESSIONS = 5_000;
const HOSTS = 20;
const BLOCKED = { permission: 4, question: 1, error: 2 } as const;
const READY_SHARE = 0.3;
const RUNS = 5;
const VIEWPORT = { width: 1280, height: 900 };

async function seedBoard(file: string) {
  const db = openDatabase(file);
  await migrateToLatest(db.kysely);
  const insert = db.sqlite.prepare(
    `INSERT INTO sessions (id, hostname, directory, title, status, status_at, attention_reason, attention_detail,
       attention_since, provider_id, model_id, tokens_input, tokens_output, cost, message_count, created_at,
       updated_at, last_activity_at)
     VALUES (@id, @hostname, @directory, @title, @status, @at, @reason, @detail, @since, 'anthropic', 'claude-sonnet-4',
       1000, 200, 0.01, 4, @at, @at, @at)`,
  );
  const insertInstance = db.sqlite.prepare(
    "INSERT INTO instances (hostname, first_seen, last_seen, last_heartbeat) VALUES (?, ?, ?, ?)",
  );
  const now = Date.now();
  const blocked = Object.entries(BLOCKED).flatMap(([reason, n]) => Array.from({ length: n }, () => reason));
  db.sqlite.transaction(() => {
    for (let h = 0; h < HOSTS; h++) insertInstance.run(`host-${h}`, now - 86_400_000, now, now);
    for (let i = 0; i < SESSIONS; i++) {
      // The blocked ones are the oldest: the board must not need their activity to show them.
      const reason = i < blocked.length ? blocked[i] : i % Math.round(1 / READY_SHARE) === 0 ? "idle" : null;
      const at = now - (SESSIONS - i) * 60_000;
      insert.run({
        id: `ses_bench_${String(i).padStart(6, "0")}`,
        hostname: `host-${i % HOSTS}`,
        directory: `/home/dev/project-${i % 37}`,
        title: `Session ${i}: refactor the billing module's retry logic`,
        status: reason === "error" ? "error" : "idle",
        at,
        reason,
        detail: reason === "permission" ? "bash: npm publish" : reason === "question" ? "Which colour?" : null,
        since: reason ? at : null,
      });
    }
  })();
  await closeDb(db);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchBoard(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ocd-bench-board-"));
  await seedBoard(path.join(dataDir, "database.db"));
  const server = await startServer({ dataDir });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await signIn(context, server.url, server.password);
    const runs: { html: number; nodes: number; dcl: number; fcp: number; blockedOnScreen: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const response = await page.goto(server.url, { waitUntil: "load" });
      const html = (await response?.body())?.length ?? 0;
      const figures = await page.evaluate(async (viewportHeight) => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        // The paint entry can land after the load event (seen on this machine): wait for it.
        const fcp = await new Promise<number>((resolve) =>
          new PerformanceObserver((list, observer) => {
            const paint = list.getEntriesByName("first-contentful-paint")[0];
            if (!paint) return;
            observer.disconnect();
            resolve(paint.startTime);
          }).observe({ type: "paint", buffered: true }),
        );
        const blocked = [...document.querySelectorAll('[data-testid="session-row"]')].filter((row) => {
          const reason = row.getAttribute("data-attention");
          return (
            (reason === "permission" || reason === "question" || reason === "error") &&
            row.getBoundingClientRect().top < viewportHeight
          );
        }).length;
        return {
          nodes: document.getElementsByTagName("*").length,
          dcl: nav.domContentLoadedEventEnd,
          fcp,
          blockedOnScreen: blocked,
        };
      }, VIEWPORT.height);
      runs.push({ html, ...figures });
    }
    const total = Object.values(BLOCKED).reduce((a, b) => a + b, 0);
    return {
      "board HTML, decoded (KB; target ≤ 200)": +(median(runs.map((r) => r.html)) / 1024).toFixed(1),
      "DOM elements": median(runs.map((r) => r.nodes)),
      "DOMContentLoaded, median of 5 (ms)": Math.round(median(runs.map((r) => r.dcl))),
      "first contentful paint, median of 5 (ms; target ≤ 1,000)": Math.round(median(runs.map((r) => r.fcp))),
      [`blocked sessions on the first screen (of ${total})`]: median(runs.map((r) => r.blockedOnScreen)),
    };
  } finally {
    await browser.close();
    await server.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
