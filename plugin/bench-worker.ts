/**
 * Runs under Bun (OpenCode's runtime), spawned by bench.ts: loads the shipped plugin with a
 * sandboxed config, replays N realistic bus events through its `event` hook and prints one JSON
 * line with the measurements. argv: mode ("up" | "down" | "control": up, with the plugin's control
 * WebSocket open and the stand-in dashboard taking its frames), event count.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { OpencodeDashboard } from "./opencode-dashboard.ts";

const mode = (["down", "control"] as const).find((m) => m === process.argv[2]) ?? "up";
const count = Number(process.argv[3] ?? 10_000);

// A local stand-in dashboard for "up"; for "down" a port nothing listens on, so everything spools.
let received = 0;
let controlFrames = 0;
const server =
  mode !== "down"
    ? Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        websocket: {
          message() {
            controlFrames++;
          },
        },
        async fetch(req, srv) {
          if (new URL(req.url).pathname === "/control" && srv.upgrade(req)) return undefined;
          const body = (await req.json()) as { events: unknown[] };
          received += body.events.length;
          return Response.json({ accepted: body.events.length, duplicates: 0, ignored: 0 }, { status: 202 });
        },
      })
    : null;
const url = server ? `http://127.0.0.1:${server.port}` : "http://127.0.0.1:9";

const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "ocd-bench-"));
process.env.XDG_CONFIG_HOME = path.join(sandbox, "config");
process.env.XDG_DATA_HOME = path.join(sandbox, "data");
process.env.OPENCODE_DASHBOARD_URL = url;
process.env.OPENCODE_DASHBOARD_API_KEY = "bench-key";
process.env.OPENCODE_DASHBOARD_LOG = "stderr";
if (mode === "control") process.env.OPENCODE_DASHBOARD_CONTROL = "full";

/** A session's worth of events shaped like the captured OpenCode 1.18 stream, repeated with fresh ids. */
function makeEvents(n: number): { id: string; type: string; properties: unknown }[] {
  const out: { id: string; type: string; properties: unknown }[] = [];
  const info = (s: string) => ({
    id: s,
    slug: "bench",
    version: "1.18.33",
    projectID: "global",
    directory: "/home/dev/webapp",
    title: "Bench session",
    cost: 0.0123,
    tokens: { input: 1200, output: 340, reasoning: 0, cache: { read: 0, write: 0 } },
    time: { created: 1795475585396, updated: 1795475586011 },
  });
  for (let i = 0; out.length < n; i++) {
    const s = `ses_bench${i % 20}`;
    const m = `msg_bench${i}`;
    const p = `prt_bench${i}`;
    const templates: [string, unknown][] = [
      ["session.updated", { sessionID: s, info: info(s) }],
      ["session.status", { sessionID: s, status: { type: "busy" } }],
      [
        "message.updated",
        {
          sessionID: s,
          info: {
            id: m,
            sessionID: s,
            role: "assistant",
            modelID: "fake-model",
            providerID: "fake",
            cost: 0.001,
            tokens: { input: 100, output: 20, reasoning: 0, cache: { read: 0, write: 0 } },
            time: { created: 1795475586018 },
          },
        },
      ],
      [
        "message.part.updated",
        {
          sessionID: s,
          part: { id: p, messageID: m, sessionID: s, type: "text", text: "Some streamed answer text ".repeat(8) },
          time: 1795475586100,
        },
      ],
      ...Array.from(
        { length: 12 },
        (_, k) =>
          ["message.part.delta", { sessionID: s, messageID: m, partID: p, field: "text", delta: `chunk ${k} ` }] as [
            string,
            unknown,
          ],
      ),
      [
        "message.part.updated",
        {
          sessionID: s,
          part: {
            id: `${p}t`,
            messageID: m,
            sessionID: s,
            type: "tool",
            tool: "bash",
            callID: "call_1",
            state: {
              status: "completed",
              input: { command: "ls" },
              output: "a\nb\nc\n".repeat(20),
              title: "ls",
              time: { start: 1, end: 2 },
            },
          },
        },
      ],
      ["catalog.updated", {}],
      ["session.status", { sessionID: s, status: { type: "idle" } }],
      ["session.idle", { sessionID: s }],
    ];
    for (const [type, properties] of templates) {
      if (out.length >= n) break;
      out.push({ id: `evt_bench${String(out.length).padStart(8, "0")}`, type, properties });
    }
  }
  return out;
}

const events = makeEvents(count);
const gc = () => Bun.gc(true);
gc();
const before = process.memoryUsage();
const hooks = (await OpencodeDashboard(
  { directory: "/home/dev/webapp" },
  { backoffBaseMs: 200, backoffMaxMs: 1000 },
)) as { event: (i: { event: unknown }) => Promise<void>; dispose: () => Promise<void> };

// With the control channel on, let it connect (and say hello) before the timed replay.
if (mode === "control") await new Promise((r) => setTimeout(r, 300));
const times = new Float64Array(events.length);
for (let i = 0; i < events.length; i++) {
  const t0 = performance.now();
  void hooks.event({ event: events[i] });
  times[i] = performance.now() - t0;
  // Real streams are spread over time; yield now and then so timers and sends run in between.
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 1));
}
await new Promise((r) => setTimeout(r, 600));
gc();
const after = process.memoryUsage();
const sorted = Array.from(times).sort((a, b) => a - b);
// Deltas are mostly throttled and noise is dropped cheaply; this is the cost of an event that is actually queued.
const forwarded = Array.from(times)
  .filter((_, i) => events[i].type !== "message.part.delta" && events[i].type !== "catalog.updated")
  .sort((a, b) => a - b);
const spoolDir = path.join(process.env.XDG_DATA_HOME!, "opencode-dashboard", "spool");
const spoolBytes = fs.existsSync(spoolDir)
  ? fs
      .readdirSync(spoolDir)
      .flatMap((d) => fs.readdirSync(path.join(spoolDir, d)).map((f) => fs.statSync(path.join(spoolDir, d, f)).size))
      .reduce((a, b) => a + b, 0)
  : 0;
const result = {
  mode,
  events: events.length,
  hookMedianMs: sorted[Math.floor(sorted.length / 2)],
  hookP99Ms: sorted[Math.floor(sorted.length * 0.99)],
  hookMaxMs: sorted[sorted.length - 1],
  forwardedMedianMs: forwarded[Math.floor(forwarded.length / 2)],
  forwardedP99Ms: forwarded[Math.floor(forwarded.length * 0.99)],
  rssGrowthMB: (after.rss - before.rss) / 1024 / 1024,
  heapGrowthMB: (after.heapUsed - before.heapUsed) / 1024 / 1024,
  spoolBytes,
  receivedByDashboard: received,
  controlFrames,
};
await hooks.dispose();
server?.stop(true);
fs.rmSync(sandbox, { recursive: true, force: true });
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
