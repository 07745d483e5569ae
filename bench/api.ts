import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { sessionListParams, timelineParams } from "../lib/sessions/params";
import { analyticsParams, dailyParams } from "../lib/analytics/params";
import {
  analyticsDaily,
  analyticsHosts,
  analyticsModels,
  analyticsProjects,
  analyticsSummary,
} from "../lib/analytics/reports";
import { loadConfig } from "../lib/config";
import { closeDb, openDatabase } from "../lib/db/client";
import { runtime } from "../lib/runtime";
import { listInstances } from "../lib/instances/queries";
import { migrateToLatest } from "../lib/db/migrations";
import { getSessionDetail } from "../lib/sessions/detail";
import { listSessions } from "../lib/sessions/list";
import { startServer } from "../tests/support/server";
import { createClient } from "./http-client";

/**
 * The JSON API over a large database: 10,000 sessions, 200,000 messages, 1,000,000 timeline rows
 * on 50 hosts, seeded straight into SQLite. Each route is timed over HTTP (keep-alive, the
 * dashboard password) and the same lib/db call in-process on the same file, so the HTTP cost
 * can be compared with the query's own. Target: every route p95 ≤ 100 ms.
 */

const SESSIONS = 10_000;
const HOSTS = 50;
const MESSAGES_PER_SESSION = 20;
const TIMELINE_ROWS = 1_000_000;
const BIG_SESSION_ROWS = 5_000;
const BIG_SESSION = "ses_big_000000";
const DAY = 86_400_000;
const RUNS = 60;

// A deterministic generator, so every run seeds the same data.
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];

const vocabulary = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}`);
const common = ["the", "fix", "test", "build", "deploy", "error", "function", "file", "update", "refactor"];
const sentence = (n: number) =>
  Array.from({ length: n }, () => (random() < 0.3 ? pick(common) : pick(vocabulary))).join(" ");

function seedDatabase(file: string) {
  const db = openDatabase(file);
  const started = performance.now();
  const { sqlite } = db;
  const now = Date.now();
  const insertInstance = sqlite.prepare(
    `INSERT INTO instances (hostname, first_seen, last_seen, last_heartbeat, opencode_version, plugin_version)
     VALUES (?, ?, ?, ?, '1.18.33', '0.1.0')`,
  );
  const insertSession = sqlite.prepare(
    `INSERT INTO sessions (id, hostname, directory, parent_id, title, status, status_at, attention_reason, attention_detail,
       attention_since, agent, provider_id, model_id, tokens_input, tokens_output, tokens_reasoning, tokens_cache_read,
       tokens_cache_write, cost, message_count, created_at, updated_at, last_activity_at)
     VALUES (@id, @hostname, @directory, @parent, @title, @status, @at, @reason, @detail, @since, 'build', @provider, @model,
       @input, @output, @reasoning, @cacheRead, @cacheWrite, @cost, @messages, @created, @at, @at)`,
  );
  const insertMessage = sqlite.prepare(
    `INSERT INTO messages (id, session_id, role, provider_id, model_id, agent, tokens_input, tokens_output, tokens_reasoning,
       tokens_cache_read, tokens_cache_write, cost, created_at, completed_at, progress)
     VALUES (?, ?, ?, ?, ?, 'build', ?, ?, ?, ?, ?, ?, ?, ?, 2)`,
  );
  const insertTimeline = sqlite.prepare(
    `INSERT INTO timeline (session_id, key, kind, message_id, time, end_time, status, tool, title, text, input, output, progress, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 2, ?)`,
  );
  const models = [
    ["anthropic", "claude-sonnet-4"],
    ["anthropic", "claude-opus-4"],
    ["openai", "gpt-5"],
    ["openai", "gpt-5-mini"],
    ["google", "gemini-2.5-pro"],
  ];
  const kinds = ["prompt", "text", "tool", "tool", "reasoning", "text", "tool", "tool", "text", "reasoning"] as const;

  sqlite.transaction(() => {
    for (let h = 0; h < HOSTS; h++)
      insertInstance.run(`host-${h}`, now - 400 * DAY, now, h % 2 === 0 ? now - 10_000 : now - 3_600_000);
    let rowsLeft = TIMELINE_ROWS;
    let lastRoot = "";
    for (let i = 0; i < SESSIONS; i++) {
      const id = i === 0 ? BIG_SESSION : `ses_${i.toString().padStart(10, "0")}`;
      const created = now - Math.floor(random() * 365 * DAY);
      const isChild = i % 5 === 4;
      const [provider, model] = pick(models);
      const messageCount = MESSAGES_PER_SESSION;
      const rows = i === 0 ? BIG_SESSION_ROWS : Math.round(rowsLeft / (SESSIONS - i));
      rowsLeft -= rows;
      const span = rows * 2_000;
      const totals = { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0, cost: 0 };
      const messages: unknown[][] = [];
      for (let m = 0; m < messageCount; m++) {
        const at = created + Math.floor((m / messageCount) * span);
        const assistant = m % 2 === 1;
        const t = assistant
          ? [
              Math.floor(random() * 5000),
              Math.floor(random() * 2000),
              Math.floor(random() * 500),
              Math.floor(random() * 20000),
              Math.floor(random() * 3000),
            ]
          : [0, 0, 0, 0, 0];
        const cost = assistant ? Math.round(random() * 5000) / 100_000 : 0;
        messages.push([
          `msg_${id}_${m}`,
          id,
          assistant ? "assistant" : "user",
          assistant ? provider : null,
          assistant ? model : null,
          ...t,
          cost,
          at,
          at + 1000,
        ]);
        totals.input += t[0];
        totals.output += t[1];
        totals.reasoning += t[2];
        totals.cacheRead += t[3];
        totals.cacheWrite += t[4];
        totals.cost += cost;
      }
      const last = created + span;
      const attention = random() < 0.1;
      insertSession.run({
        id,
        hostname: `host-${i % HOSTS}`,
        directory: `/home/dev/project-${i % 200}`,
        parent: isChild ? lastRoot : null,
        title: sentence(4),
        status: random() < 0.05 ? "busy" : "idle",
        at: last,
        reason: attention ? "idle" : null,
        detail: attention ? "Finished" : null,
        since: attention ? last : null,
        provider,
        model,
        ...totals,
        messages: messageCount,
        created,
      });
      for (const m of messages) insertMessage.run(...m);
      if (!isChild) lastRoot = id;
      for (let r = 0; r < rows; r++) {
        const kind = kinds[r % kinds.length];
        const at = created + r * 2_000;
        const messageId = `msg_${id}_${Math.min(messageCount - 1, Math.floor((r / rows) * messageCount))}`;
        const isTool = kind === "tool";
        insertTimeline.run(
          id,
          `prt_${r}`,
          kind,
          messageId,
          at,
          at + 500,
          isTool ? "completed" : null,
          isTool ? "bash" : null,
          isTool ? "ls -la" : null,
          isTool ? null : sentence(kind === "reasoning" ? 20 : 12),
          isTool ? '{"command":"ls -la"}' : null,
          isTool ? "total 0\ndrwxr-xr-x 2 dev dev 4096 ." : null,
          at,
        );
      }
    }
  })();
  const seconds = (performance.now() - started) / 1000;
  const count = (table: string) => sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  const counts = { sessions: count("sessions"), messages: count("messages"), timeline: count("timeline") };
  sqlite.close();
  return { seconds, counts };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

async function time(run: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return { p50: +percentile(samples, 50).toFixed(2), p95: +percentile(samples, 95).toFixed(2) };
}

/** name → [HTTP path, the same lib call in-process] */
function cases(): Record<string, [string, () => Promise<unknown>]> {
  const list = (q: Record<string, string>) => () => listSessions(sessionListParams.parse(q));
  const analytics = (q: Record<string, string>) => analyticsParams.parse(q);
  return {
    "list (root sessions, first page of 50)": ["/api/sessions", list({})],
    "list, hostname filter": ["/api/sessions?hostname=host-7", list({ hostname: "host-7" })],
    "list, search (rare word)": [`/api/sessions?search=${vocabulary[1234]}`, list({ search: vocabulary[1234] })],
    "list, search (common word)": ["/api/sessions?search=deploy", list({ search: "deploy" })],
    "session with 5,000 timeline rows (page of 200)": [
      `/api/sessions/${BIG_SESSION}`,
      () => getSessionDetail(BIG_SESSION, timelineParams.parse({})),
    ],
    "analytics summary (30d + previous 30d)": ["/api/analytics/summary", () => analyticsSummary(analytics({}))],
    "analytics summary (all)": [
      "/api/analytics/summary?range=all",
      () => analyticsSummary(analytics({ range: "all" })),
    ],
    "analytics models (30d)": ["/api/analytics/models", () => analyticsModels(analytics({}))],
    "analytics models (all)": ["/api/analytics/models?range=all", () => analyticsModels(analytics({ range: "all" }))],
    "analytics daily (365 days, America/New_York)": [
      "/api/analytics/daily?tz=America/New_York",
      () => analyticsDaily(dailyParams.parse({ tz: "America/New_York" })),
    ],
    "analytics hosts (365d)": ["/api/analytics/hosts?range=365d", () => analyticsHosts(analytics({ range: "365d" }))],
    "analytics projects (90d)": [
      "/api/analytics/projects?range=90d",
      () => analyticsProjects(analytics({ range: "90d" })),
    ],
    instances: ["/api/instances", () => listInstances()],
  };
}

export async function benchApi(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ocd-bench-api-"));
  const file = path.join(dataDir, "database.db");
  const results: Record<string, number | string> = {};
  try {
    const migrate = openDatabase(file);
    await migrateToLatest(migrate.kysely);
    await migrate.kysely.destroy();
    const seeded = seedDatabase(file);
    results["seeded (sessions / messages / timeline rows)"] =
      `${seeded.counts.sessions} / ${seeded.counts.messages} / ${seeded.counts.timeline}`;
    results["seeding seconds"] = +seeded.seconds.toFixed(1);
    console.error(`seeded in ${results["seeding seconds"]} s`);

    const server = await startServer({ dataDir });
    const db = openDatabase(file);
    runtime.db = db;
    // The in-process half reads the configuration (OFFLINE_AFTER_SECONDS): that of the seeded database.
    runtime.config = loadConfig({ DATABASE_URL: file });
    try {
      for (const [name, [route, direct]] of Object.entries(cases())) {
        // A fresh keep-alive connection per route: the server drops sockets idle for 5 s, which
        // they are while the in-process half of the previous case runs.
        const client = createClient(server.url, 1);
        const http = await time(async () => {
          const res = await client.request("GET", route, { "x-api-key": server.password }).catch((error) => {
            throw new Error(`GET ${route} failed (${error.message}); server output:\n${server.output().slice(-3000)}`);
          });
          if (res.status !== 200) throw new Error(`GET ${route} answered ${res.status}: ${res.body.slice(0, 300)}`);
        });
        client.close();
        const inProcess = await time(direct);
        results[`${name}: HTTP p50 / p95 ms`] = `${http.p50} / ${http.p95}`;
        results[`${name}: direct p50 / p95 ms`] = `${inProcess.p50} / ${inProcess.p95}`;
      }
    } finally {
      runtime.db = undefined;
      runtime.config = undefined;
      await closeDb(db);
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await benchApi();
  console.log("\nJSON API (10,000 sessions, 200,000 messages, 1,000,000 timeline rows, 50 hosts)");
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(70)} ${value}`);
}
