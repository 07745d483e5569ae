import { benchPlugin } from "../plugin/bench";
import { startServer } from "../tests/support/server";
import { benchApi } from "./api";
import { benchBoard } from "./board";
import { benchControl } from "./control";
import { benchIngest } from "./ingest";
import { benchTts } from "./tts";

/**
 * `npm run bench`: figures, never assertions. Each part starts what it measures (the production
 * server on a temp database, the plugin under Bun) and stops it again.
 * Targets on 2 cores: ingest ≥ 35,000 events/s batched and ≥ 1,500 single-event requests/s,
 * broadcast p99 ≤ 50 ms at 1,000 events/s, server RSS ≤ 400 MB; API p95 ≤ 100 ms per route and
 * within 2× of the query run directly; board HTML ≤ 200 KB and first paint ≤ 1 s at 5,000 sessions; plugin hook < 0.1 ms median (also with the control channel open); click-to-applied p99 ≤ 1 s.
 * `npm run bench -- ingest api` runs only the parts named.
 */
function print(title: string, figures: Record<string, number | string>) {
  console.log(`\n${title}`);
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(64)} ${value}`);
}

const parts: Record<string, [string, () => Promise<Record<string, number | string>>]> = {
  ingest: [
    "Ingest (POST /events)",
    async () => {
      const server = await startServer();
      try {
        return await benchIngest(server, server.pid);
      } finally {
        await server.dispose();
      }
    },
  ],
  api: ["API (10,000 sessions, 1,000,000 timeline rows, 200,000 messages)", benchApi],
  board: ["Board (5,000 sessions on 20 hosts, Chromium)", benchBoard],
  plugin: ["Plugin (event hook, memory while the dashboard is down, with the control channel open)", benchPlugin],
  control: ["Control (real opencode serve and plugin, loopback)", benchControl],
  tts: ["Speech", benchTts],
};

const chosen = process.argv.slice(2).filter((a) => a in parts);
for (const name of chosen.length ? chosen : Object.keys(parts)) {
  const [title, run] = parts[name];
  try {
    print(title, await run());
  } catch (error) {
    print(title, { error: (error as Error).message });
  }
}
