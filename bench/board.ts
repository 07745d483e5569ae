import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { closeDb, openDatabase } from "../lib/db/client";
import { migrateToLatest } from "../lib/db/migrations";
import { launchBrowser, signIn } from "../tests/support/browser";
import { startServer } from "../tests/support/server";

/**
 * The board with 5,000 sessions on 4 hosts (a few blocked, some finished, some working), seeded
 * straight into SQLite before the server starts. Chromium loads the board directly several times;
 * the figures are the medians. Targets (issue 14): HTML ≤ 200 KB, first paint ≤ 1 s.
 */

const SESSIONS = 5_000;
const HOSTS = 4;
const BLOCKED = 5;
const FINISHED_EVERY = 7;
const WORKING_EVERY = 50;
const LOADS = 5;
const VIEWPORT = { width: 1440, height: 900 };
const KB = 1024;

function seed(file: string) {
  const db = openDatabase(file);
  const { sqlite } = db;
  const now = Date.now();
  const insertInstance = sqlite.prepare(
    `INSERT INTO instances (hostname, first_seen, last_seen, last_heartbeat, opencode_version, plugin_version)
     VALUES (?, ?, ?, ?, '1.18.33', '0.1.0')`,
  );
  const insertSession = sqlite.prepare(
    `INSERT INTO sessions (id, hostname, directory, title, status, status_at, attention_reason, attention_detail,
       attention_since, agent, provider_id, model_id, tokens_input, tokens_output, cost, message_count,
       created_at, updated_at, last_activity_at)
     VALUES (@id, @hostname, @directory, @title, @status, @at, @reason, @detail, @since, 'build', 'anthropic',
       'claude-sonnet-4', 12000, 3400, 0.42, 12, @at, @at, @at)`,
  );
  sqlite.transaction(() => {
    for (let h = 0; h < HOSTS; h++) insertInstance.run(`bench-host-${h}`, now - 86_400_000, now, now);
    for (let i = 0; i < SESSIONS; i++) {
      // The blocked ones are the oldest: newest-first paging alone would bury them.
      const at = now - (SESSIONS - i) * 60_000;
      const blocked = i < BLOCKED;
      const finished = !blocked && i % FINISHED_EVERY === 0;
      const working = !blocked && !finished && i % WORKING_EVERY === 0;
      insertSession.run({
        id: `ses_bench_${i.toString().padStart(6, "0")}`,
        hostname: `bench-host-${i % HOSTS}`,
        directory: `/home/dev/project-${i % 40}`,
        title: `Session ${i}: refactor the billing module and update its tests`,
        status: blocked || working ? "busy" : "idle",
        at,
        reason: blocked ? "permission" : finished ? "idle" : null,
        detail: blocked ? "bash: npm run migrate" : finished ? "Finished — waiting for your next prompt" : null,
        since: blocked || finished ? at : null,
      });
    }
  })();
  return closeDb(db);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchBoard(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ocd-bench-board-"));
  const file = path.join(dataDir, "database.db");
  try {
    const migrate = openDatabase(file);
    await migrateToLatest(migrate.kysely);
    await closeDb(migrate);
    await seed(file);
    const server = await startServer({ dataDir });
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await signIn(context, server.url, server.password);
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
      const html = await (await fetch(server.url, { headers: { cookie } })).text();
      const loads: { firstPaint: number; dcl: number; load: number; nodes: number }[] = [];
      for (let i = 0; i < LOADS; i++) {
        await page.goto(server.url, { waitUntil: "load" });
        loads.push(
          // The paint entry can land after the load event: wait for it (buffered covers one already there).
          await page.evaluate(
            () =>
              new Promise<{ firstPaint: number; dcl: number; load: number; nodes: number }>((resolve) => {
                new PerformanceObserver((list, observer) => {
                  const paint = list.getEntriesByName("first-contentful-paint")[0];
                  if (!paint) return;
                  observer.disconnect();
                  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
                  resolve({
                    firstPaint: paint.startTime,
                    dcl: nav.domContentLoadedEventEnd,
                    load: nav.loadEventEnd,
                    nodes: document.getElementsByTagName("*").length,
                  });
                }).observe({ type: "paint", buffered: true });
              }),
          ),
        );
      }
      const pick = (key: keyof (typeof loads)[number]) => Math.round(median(loads.map((l) => l[key])));
      return {
        "sessions (blocked / finished)": `${SESSIONS} (${BLOCKED} / ${Math.floor(SESSIONS / FINISHED_EVERY)})`,
        "board HTML, decoded KB (target ≤ 200)": Math.round(Buffer.byteLength(html) / KB),
        "first contentful paint, median ms (target ≤ 1000)": pick("firstPaint"),
        "DOMContentLoaded, median ms": pick("dcl"),
        "load, median ms": pick("load"),
        "DOM elements": pick("nodes"),
      };
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const [name, value] of Object.entries(await benchBoard())) console.log(`  ${name.padEnd(56)} ${value}`);
}
