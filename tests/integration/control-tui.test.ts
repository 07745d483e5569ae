// Acting on a session from the dashboard while OpenCode's own TUI shows it (issue 13, NOTES.md
// "Acting on a session from the plugin"): the real TUI (`opencode` with no subcommand) runs under
// tmux with the real plugin at control = "answer"; a person types the prompt in the terminal, the
// permission is answered from the dashboard's API, and the TUI's dialog goes away as the tool runs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startFakeProvider, type FakeProvider } from "../support/fake-provider.ts";
import { makeOpencodeProject, OPENCODE_BIN, ROOT, waitFor, type OpencodeProject } from "../support/opencode.ts";
import { startServer, type TestServer } from "../support/server.ts";
import { controlScript, toolRunsOf } from "../support/control-model.ts";
import type { CommandItem } from "../../lib/control/commands.ts";
import type { SessionDetail } from "../../lib/sessions/detail.ts";
import type { SessionListItem } from "../../lib/sessions/list-item.ts";
import { callApi } from "../support/client.ts";

const built = fs.existsSync(path.join(ROOT, "dist/server.js")) && fs.existsSync(path.join(ROOT, ".next/BUILD_ID"));
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const skip = !built
  ? "no production build (dist/server.js, .next): run `npm run build` first"
  : !hasTmux
    ? "tmux is not installed: `npm test` installs it as root (scripts/ensure-test-deps.mjs), else `sudo apt-get install -y tmux`"
    : false;

const HOSTNAME = "tui-host";
const MARKER = "tui-tool-ran";
/** The terminal the TUI draws in: wide enough for its permission dialog on one screen. */
const COLUMNS = 200;
const ROWS = 50;
/** This test's own tmux server (`tmux -L`), so nothing else's sessions are touched or killed. */
const SOCKET = `ocd-control-tui-${process.pid}`;
/** What the TUI's permission dialog shows, in OpenCode 1.18.33's words. */
const PERMISSION_DIALOG = /Permission required/;
/** The TUI's empty prompt box, ready for typing. */
const PROMPT_READY = /Ask anything/;
/** The fake model's answer once it has the tool's result (tests/support/control-model.ts). */
const TURN_DONE = /All done\./;

let provider: FakeProvider;
let dashboard: TestServer;
let project: OpencodeProject;

/** tmux's own environment: the project's, with its socket in the project's temp dir (removed with it). */
const tmuxEnv = () => ({ ...project.env, TMUX_TMPDIR: project.root }) as Record<string, string> as NodeJS.ProcessEnv;

function tmux(...args: string[]) {
  const result = spawnSync("tmux", ["-L", SOCKET, ...args], {
    env: tmuxEnv(),
    encoding: "utf8",
    timeout: 10_000,
  });
  if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr || result.error}`);
  return result.stdout;
}
const screen = () => tmux("capture-pane", "-p", "-t", "tui");

before(async () => {
  if (skip) return;
  provider = await startFakeProvider(controlScript(MARKER));
  dashboard = await startServer({ env: { CONTROL_COMMAND_TTL_SECONDS: "60" } });
  project = makeOpencodeProject({
    providerURL: provider.baseURL,
    install: "file",
    dashboardToml: `url = "${dashboard.url}"\napiKey = "${dashboard.apiKey}"\nhostname = "${HOSTNAME}"\ncontrol = "answer"\n`,
    config: { permission: { bash: "ask" } },
  });
  // A pane that exits keeps its last screen, so a TUI that crashed still says why.
  const conf = path.join(project.root, "tmux.conf");
  fs.writeFileSync(conf, "set -g remain-on-exit on\n");
  // The tmux server starts with the project's environment (HOME, XDG dirs, OpenCode's switches),
  // and its panes inherit it: the TUI runs exactly as `opencode` in that project would.
  tmux(
    "-f",
    conf,
    "new-session",
    "-d",
    "-s",
    "tui",
    "-x",
    String(COLUMNS),
    "-y",
    String(ROWS),
    "-c",
    project.dir,
    OPENCODE_BIN,
  );
});
after(async () => {
  if (project) spawnSync("tmux", ["-L", SOCKET, "kill-server"], { env: tmuxEnv() });
  await provider?.close();
  await dashboard?.dispose();
  project?.cleanup();
});

const api = <T>(method: string, route: string, body?: unknown) => callApi<T>(dashboard, method, route, body);

test(
  "a permission asked in the TUI is answered from the dashboard: the tool runs, the dialog goes",
  { skip },
  async () => {
    // The TUI is ready for a prompt once it draws its input box with the model's name.
    await waitFor(() => PROMPT_READY.test(screen()), 240_000, "the TUI's prompt").catch((err) => {
      throw new Error(`${err.message}\n${screen()}`);
    });
    tmux("send-keys", "-t", "tui", "-l", "run bash please");
    tmux("send-keys", "-t", "tui", "Enter");

    const { json } = await waitFor(
      async () => {
        const answer = await api<{ sessions: SessionListItem[] }>(
          "GET",
          `/api/sessions?hostname=${HOSTNAME}&parent=any`,
        );
        return answer.json.sessions.length > 0 ? answer : null;
      },
      120_000,
      "the TUI's session on the dashboard",
    );
    const id = json.sessions[0].id;
    const pending = await waitFor(
      async () =>
        (await api<SessionDetail>("GET", `/api/sessions/${id}?limit=1`)).json.pending.find(
          (p) => p.kind === "permission",
        ),
      120_000,
      "the permission on the dashboard",
    );
    // The person at the terminal sees the same request.
    await waitFor(() => PERMISSION_DIALOG.test(screen()), 30_000, "the TUI's permission dialog").catch((err) => {
      throw new Error(`${err.message}\n${screen()}`);
    });

    const answer = await api<{ commandId: string }>("POST", `/api/sessions/${id}/permissions/${pending.id}`, {
      reply: "once",
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    const command = await waitFor(
      async () => {
        const c = (await api<{ command: CommandItem }>("GET", `/api/commands/${answer.json.commandId}`)).json.command;
        return c.status === "applied" || c.status === "failed" || c.status === "expired" ? c : null;
      },
      30_000,
      "the command to settle",
    );
    assert.equal(command.status, "applied", command.reason ?? undefined);
    await waitFor(() => toolRunsOf(provider, MARKER) > 0, 60_000, "the bash tool ran (the model got its result)");
    await waitFor(
      () => !PERMISSION_DIALOG.test(screen()) && TURN_DONE.test(screen()),
      30_000,
      "the dialog to close and the turn to end",
    ).catch((err) => {
      throw new Error(`${err.message}\n${screen()}`);
    });
    await waitFor(
      async () => (await api<SessionDetail>("GET", `/api/sessions/${id}?limit=1`)).json.pending.length === 0,
      30_000,
      "nothing pending on the dashboard",
    );
  },
);
