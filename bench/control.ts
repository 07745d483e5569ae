import { connectSocket } from "../tests/support/client";
import { hasToolResultLast } from "../tests/plugin/harness/model-script";
import { lastUserText, startFakeProvider, type ChatRequest } from "../tests/support/fake-provider";
import { makeOpencodeProject, startOpencodeServe, waitFor } from "../tests/support/opencode";
import type { OcSession } from "../tests/support/opencode-payloads";
import { startServer } from "../tests/support/server";

/**
 * Click-to-applied latency (docs/control.md): from the API call that allows a pending permission
 * to OpenCode's `permission.replied` arriving back at the dashboard (pushed to a subscribed
 * socket.io client), through the real plugin's control connection and the real `opencode serve`,
 * all on loopback. Each round asks the fake model for a bash call that needs permission.
 */
const ROUNDS = 15;

function script(req: ChatRequest) {
  if (hasToolResultLast(req)) return { text: "done" };
  if (/run bash please/.test(lastUserText(req))) {
    return { toolCalls: [{ name: "bash", arguments: { command: "echo bench", description: "bench" } }] };
  }
  return { text: "hello" };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

export async function benchControl(): Promise<Record<string, number | string>> {
  const provider = await startFakeProvider(script);
  const server = await startServer();
  const project = makeOpencodeProject({
    providerURL: provider.baseURL,
    install: "file",
    dashboardToml: `url = "${server.url}"\napiKey = "${server.apiKey}"\nhostname = "bench-control"\ncontrol = "full"\n`,
    config: { permission: { bash: "ask" } },
  });
  const oc = await startOpencodeServe(project);
  const socket = connectSocket(server, { password: server.password });
  try {
    const session = await waitFor(
      () => oc.api<OcSession>("POST", "/session", {}).catch(() => null),
      240_000,
      "opencode serve",
    );
    socket.emit("subscribe", session.id);
    const replied = new Map<string, number>();
    socket.on("timeline:append", ({ entries }) => {
      for (const e of entries)
        if (e.kind === "permission" && e.status === "once") replied.set(e.key, performance.now());
    });
    const api = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${server.url}${route}`, {
        method,
        headers: { "x-api-key": server.password, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as { pending?: { id: string }[]; session: { status: string }; commandId?: string };
    };
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await oc.api("POST", `/session/${session.id}/prompt_async`, {
        parts: [{ type: "text", text: "run bash please" }],
      });
      const pending = await waitFor(
        async () => (await api("GET", `/api/sessions/${session.id}`)).pending?.[0],
        60_000,
        "a pending permission",
      );
      const started = performance.now();
      const answer = await api("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" });
      if (!answer.commandId) throw new Error(`the permission was not accepted: ${JSON.stringify(answer)}`);
      const at = await waitFor(() => replied.get(`permission:${pending.id}`), 30_000, "permission.replied");
      latencies.push(at - started);
      await waitFor(
        async () => (await api("GET", `/api/sessions/${session.id}`)).session.status === "idle",
        60_000,
        "the turn to end",
      );
    }
    const sorted = latencies.sort((a, b) => a - b);
    return {
      rounds: sorted.length,
      "click to applied p50 ms (API → permission.replied pushed back)": +percentile(sorted, 0.5).toFixed(1),
      "click to applied p99 ms (target ≤ 1000)": +percentile(sorted, 0.99).toFixed(1),
      "click to applied max ms": +sorted[sorted.length - 1].toFixed(1),
    };
  } finally {
    socket.close();
    await oc.stop();
    await server.dispose();
    await provider.close();
    project.cleanup();
  }
}
