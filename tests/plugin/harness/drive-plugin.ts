/**
 * Runs the real plugin file under Bun (OpenCode's runtime) with a fake plugin `input`, feeding it
 * the steps given in the JSON file named by argv[2]. Node tests spawn this because the plugin relies on Bun APIs
 * (Bun.TOML) and must be exercised exactly as shipped.
 *
 * Steps: { events: BusEvent[] } | { wait: ms } | { dispose: true } | { exit: code } | { mark: label }
 * Output (stdout, one JSON object a line): { mark } when reached, { hooks } with hook names at start,
 * { hookTimesMs } after each events step when input.timeHook is set, { call, args } for each call
 * the plugin makes on OpenCode's client when input.recordClient is set (every call answers 200).
 */
import { OpencodeDashboard } from "../../../plugin/opencode-dashboard.ts";

type Step =
  | { events: { id: string; type: string; properties: unknown }[] }
  | { wait: number }
  | { dispose: true }
  | { exit: number }
  | { mark: string };

const spec = JSON.parse(await Bun.file(process.argv[2]).text()) as {
  directory: string;
  options?: Record<string, unknown>;
  steps: Step[];
  timeHook?: boolean;
  recordClient?: boolean;
};
const out = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + "\n");

/** Stands in for OpenCode's client where the test is about what the plugin asks of it. */
const answered = (call: string) => async (args: unknown) => {
  out({ call, args });
  return { data: true, response: { status: 200 } };
};
const client = spec.recordClient
  ? {
      postSessionIdPermissionsPermissionId: answered("permission"),
      session: { promptAsync: answered("prompt"), abort: answered("abort") },
      _client: { request: answered("request") },
    }
  : undefined;

const hooks = (await OpencodeDashboard({ directory: spec.directory, client } as never, spec.options)) as {
  event?: (i: { event: unknown }) => Promise<void>;
  dispose?: () => Promise<void>;
};
out({ hooks: Object.keys(hooks) });

for (const step of spec.steps) {
  if ("events" in step) {
    const times: number[] = [];
    for (const event of step.events) {
      const t0 = performance.now();
      void hooks.event?.({ event });
      times.push(performance.now() - t0);
    }
    if (spec.timeHook) out({ hookTimesMs: times });
  } else if ("wait" in step) {
    await Bun.sleep(step.wait);
  } else if ("dispose" in step) {
    await hooks.dispose?.();
  } else if ("exit" in step) {
    process.exit(step.exit);
  } else if ("mark" in step) {
    out({ mark: step.mark });
  }
}
