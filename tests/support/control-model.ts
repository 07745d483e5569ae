/**
 * What the fake model does in the control tests (docs/control.md): a bash call that needs
 * permission, the question tool, a slow stream to stop, otherwise a greeting.
 */
import { hasToolResultLast } from "../plugin/harness/model-script.ts";
import { lastUserText, type ChatRequest, type FakeProvider } from "./fake-provider.ts";
import {
  makeOpencodeProject,
  startOpencodeServe,
  waitFor,
  type OpencodeProject,
  type OpencodeServer,
} from "./opencode.ts";
import type { OcSession } from "./opencode-payloads.ts";
import type { TestServer } from "./server.ts";

const QUESTION = {
  questions: [
    {
      question: "Which colour should the button be?",
      header: "Colour",
      options: [
        { label: "Blue", description: "calm" },
        { label: "Red", description: "bold" },
      ],
    },
  ],
};

/** The fake model's replies; `marker` is what the bash call prints, so a test can see it ran. */
export function controlScript(marker: string) {
  return (req: ChatRequest) => {
    if (hasToolResultLast(req)) return { text: "All done.", usage: { prompt: 300, completion: 12 } };
    const text = lastUserText(req);
    if (/run bash please/.test(text)) {
      return { toolCalls: [{ name: "bash", arguments: { command: `echo ${marker}`, description: "Print a marker" } }] };
    }
    if (/ask me a question/.test(text)) return { toolCalls: [{ name: "question", arguments: QUESTION }] };
    if (/\[slow\]/.test(text)) return { text: "word ".repeat(400), chunkDelayMs: 100 };
    return { text: "Hello from the fake model." };
  };
}

/**
 * A machine running `opencode serve` with the plugin at the given control level, pointed at
 * `dashboard`, with one session on it. Projects and servers are pushed to the caller's lists for
 * its clean-up.
 */
export async function startControlledMachine(opts: {
  provider: FakeProvider;
  dashboard: TestServer;
  hostname: string;
  control: "off" | "answer" | "full";
  projects: OpencodeProject[];
  servers: OpencodeServer[];
}) {
  const { provider, dashboard, hostname, control } = opts;
  const p = makeOpencodeProject({
    providerURL: provider.baseURL,
    install: "file",
    dashboardToml: `url = "${dashboard.url}"\napiKey = "${dashboard.apiKey}"\nhostname = "${hostname}"\ncontrol = "${control}"\n`,
    config: { permission: { bash: "ask" } },
  });
  opts.projects.push(p);
  const oc = await startOpencodeServe(p);
  opts.servers.push(oc);
  // A fresh `opencode serve` can sit on its first requests for a long while on a busy machine.
  const session = await waitFor(
    () => oc.api<OcSession>("POST", "/session", {}).catch(() => null),
    240_000,
    "opencode serve",
  );
  const id: string = session.id;
  const prompt = (text: string) => oc.api("POST", `/session/${id}/prompt_async`, { parts: [{ type: "text", text }] });
  return { oc, id, prompt, hostname };
}

/** Whether the model was handed a tool result containing `marker` (the tool ran, or saw feedback). */
export const sawInToolResult = (provider: FakeProvider, marker: string) =>
  provider.requests.some((r) =>
    r.messages.some((m) => m.role === "tool" && JSON.stringify(m.content).includes(marker)),
  );

/**
 * How many times the bash call that prints `marker` ran: requests whose last message is its result
 * (later requests carry it in their history too, so a plain search would count them all).
 */
export const toolRunsOf = (provider: FakeProvider, marker: string) =>
  provider.requests.filter((r) => {
    const last = r.messages[r.messages.length - 1];
    return last?.role === "tool" && JSON.stringify(last.content).includes(marker);
  }).length;
