/**
 * Plugin benchmark: time spent inside the `event` hook per event over a 10k-event replay, with
 * the dashboard up and down, and memory growth while it is down (events spooled to disk).
 * The plugin runs under Bun as inside OpenCode, so this spawns bench-worker.ts with the bun
 * binary from node_modules. Standalone: `node --import tsx plugin/bench.ts`.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const BUN = path.resolve(here, "../node_modules/.bin/bun");
const WORKER = path.join(here, "bench-worker.ts");

type WorkerResult = Record<string, number | string>;

function runWorker(mode: "up" | "down" | "control", events: number): WorkerResult {
  const res = spawnSync(BUN, [WORKER, mode, String(events)], { encoding: "utf8", timeout: 120_000 });
  if (res.status !== 0)
    throw new Error(`bench worker (${mode}) failed with ${res.status ?? res.signal}:\n${res.stderr}`);
  const line = res.stdout.trim().split("\n").pop();
  if (!line) throw new Error(`bench worker (${mode}) printed nothing:\n${res.stderr}`);
  return JSON.parse(line) as WorkerResult;
}

export async function benchPlugin(): Promise<Record<string, number | string>> {
  const up = runWorker("up", 10_000);
  const down = runWorker("down", 10_000);
  const control = runWorker("control", 10_000);
  const round = (n: number | string) => (typeof n === "number" ? Math.round(n * 10_000) / 10_000 : n);
  return {
    "plugin.events": up.events,
    "plugin.hook.median_ms (dashboard up)": round(up.hookMedianMs),
    "plugin.hook.p99_ms (dashboard up)": round(up.hookP99Ms),
    "plugin.hook.median_ms (forwarded events only, dashboard up)": round(up.forwardedMedianMs),
    "plugin.hook.p99_ms (forwarded events only, dashboard up)": round(up.forwardedP99Ms),
    "plugin.hook.median_ms (control channel open)": round(control.hookMedianMs),
    "plugin.hook.p99_ms (control channel open)": round(control.hookP99Ms),
    "plugin.control_frames (hello + own, control channel open)": control.controlFrames,
    "plugin.hook.median_ms (dashboard down)": round(down.hookMedianMs),
    "plugin.hook.p99_ms (dashboard down)": round(down.hookP99Ms),
    "plugin.forwarded_events (dashboard up)": up.receivedByDashboard,
    "plugin.rss_growth_mb (dashboard down)": round(down.rssGrowthMB),
    "plugin.heap_growth_mb (dashboard down)": round(down.heapGrowthMB),
    "plugin.spool_bytes (dashboard down)": down.spoolBytes,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  benchPlugin().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
