// The plugin inside the real OpenCode client, sending to the real dashboard server (the built
// dist/server.js, started by tests/support/server.ts). Sessions are read back through the
// dashboard's own API (GET /api/sessions/:id with the dashboard password); the event ids it has
// seen are read from its SQLite file read-only (tests/support/db.ts), as no API lists them.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { replyScript } from "./harness/model-script.ts";
import type { SessionRow } from "../../lib/db/schema.ts";
import type { SessionListItem } from "../../lib/sessions/list-item.ts";
import { openReadOnly } from "../support/db.ts";
import { startFakeProvider, type FakeProvider } from "../support/fake-provider.ts";
import {
  makeOpencodeProject,
  runOpencode,
  startOpencodeServe,
  waitFor,
  ROOT,
  type OpencodeProject,
  type OpencodeServer,
} from "../support/opencode.ts";
import { ofType, type OcBusEvent, type OcPermissionRequest, type OcSession } from "../support/opencode-payloads.ts";
import { startServer, type TestServer } from "../support/server.ts";

const built = fs.existsSync(path.join(ROOT, "dist/server.js")) && fs.existsSync(path.join(ROOT, ".next/BUILD_ID"));
const skip = built ? false : "no production build (dist/server.js, .next): run `npm run build` first";

let provider: FakeProvider;
let dashboard: TestServer;
const projects: OpencodeProject[] = [];
const servers: OpencodeServer[] = [];

const dashboards: TestServer[] = [];
before(async () => {
  if (!built) return;
  provider = await startFakeProvider(replyScript);
});
// Each test gets its own dashboard (and database), so one test's outage cannot leak into another.
beforeEach(async () => {
  if (!built) return;
  dashboard = await startServer();
  dashboards.push(dashboard);
});
after(async () => {
  for (const s of servers) await s.stop();
  await provider?.close();
  for (const d of dashboards) await d.dispose();
  for (const p of projects) p.cleanup();
});

function project(
  install: "file" | "package",
  apiKey: string,
  config: Record<string, unknown> = {},
  pluginOptions?: Record<string, unknown>,
) {
  const p = makeOpencodeProject({
    providerURL: provider.baseURL,
    install,
    dashboardToml: `url = "${dashboard.url}"\napiKey = "${apiKey}"\nhostname = "real-server-test"\n`,
    config,
    pluginOptions,
  });
  projects.push(p);
  return p;
}

/** Reads the dashboard's database; opened per read so each sees the latest commit. */
function db<T>(read: (d: ReturnType<typeof openReadOnly>) => T): T {
  const d = openReadOnly(dashboard.databasePath);
  try {
    return read(d);
  } finally {
    d.close();
  }
}

/** The dashboard's view of a session, or null while it does not know it. */
async function apiSession(id: string): Promise<SessionListItem | null> {
  const res = await fetch(`${dashboard.url}/api/sessions/${id}`, {
    headers: { "X-API-Key": dashboard.password },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET /api/sessions/${id} -> ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { session: SessionListItem }).session;
}

test(
  "serve: session row, permission attention appears then clears, subagent parent, tokens/cost equal OpenCode's; server down 10 s loses nothing",
  { skip },
  async () => {
    const p = project("package", dashboard.apiKey, { permission: { bash: "ask" } }, { backoffMaxMs: 1500 });
    // Same recorder as opencode-real.test.ts: every bus event OpenCode hands to plugins.
    const recordPath = path.join(p.root, "recorded-events.jsonl");
    fs.mkdirSync(path.join(p.dir, ".opencode", "plugin"), { recursive: true });
    fs.writeFileSync(
      path.join(p.dir, ".opencode", "plugin", "event-recorder.ts"),
      `import fs from "node:fs"\nexport const EventRecorder = async () => ({ event: async ({ event }) => { fs.appendFileSync(${JSON.stringify(recordPath)}, JSON.stringify(event) + "\\n") } })\n`,
    );
    const recorded = (): OcBusEvent[] =>
      fs.existsSync(recordPath)
        ? fs
            .readFileSync(recordPath, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [];

    const oc = await startOpencodeServe(p);
    servers.push(oc);
    const session = await oc.api<OcSession>("POST", "/session", {});
    const prompt = (text: string) =>
      oc.api("POST", `/session/${session.id}/prompt_async`, { parts: [{ type: "text", text }] });
    const idleCount = () =>
      recorded().filter((e) => e.type === "session.idle" && e.properties.sessionID === session.id).length;

    // Permission: attention appears in the dashboard while OpenCode waits, and clears once answered.
    await prompt("run bash please");
    const row = await waitFor(
      async () => {
        const s = await apiSession(session.id);
        return s?.attention?.reason === "permission" ? s : null;
      },
      60_000,
      "permission attention in the dashboard",
    );
    assert.equal(row.hostname, "real-server-test");
    assert.equal(row.directory, p.dir);
    assert.equal(row.parentId, null);
    assert.match(row.attention?.detail ?? "", /bash/);
    const [asked] = await oc.api<OcPermissionRequest[]>("GET", "/permission");
    await oc.api("POST", `/permission/${asked.id}/reply`, { reply: "once" });
    await waitFor(() => idleCount() >= 1, 60_000, "first turn done");
    await waitFor(
      async () => (await apiSession(session.id))?.attention?.reason !== "permission",
      30_000,
      "permission attention cleared",
    );

    // Subagent: its session row points at the parent.
    await prompt("delegate to a subagent");
    await waitFor(() => idleCount() >= 2, 60_000, "second turn done");
    const childId = ofType(recorded(), "session.created").find((e) => e.properties.info.parentID === session.id)
      ?.properties.info.id;
    assert.ok(childId, "OpenCode created a child session");
    const child = await waitFor(() => apiSession(childId), 30_000, "child session in the dashboard");
    assert.equal(child.parentId, session.id);

    // Dashboard down for 10 s in the middle of the session.
    await dashboard.stop();
    const downAt = Date.now();
    await prompt("say hello again");
    await waitFor(() => idleCount() >= 3, 60_000, "third turn done while the dashboard is down");
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - downAt))));
    await dashboard.restart();

    const forwardable = (type: string) =>
      /^(session|message|permission|question|todo|vcs)\.|^file\.edited$|^command\.executed$/.test(type) &&
      type !== "message.part.delta";
    const expected = recorded()
      .filter((e) => forwardable(e.type))
      .map((e) => e.id);
    const missing = () => {
      const seen = new Set(db((d) => d.all<{ id: string }>("SELECT id FROM events_seen")).map((r) => r.id));
      return expected.filter((id) => !seen.has(id));
    };
    await waitFor(() => missing().length === 0, 40_000, "every event OpenCode emitted stored by the dashboard").catch(
      (err) => {
        throw new Error(`${err.message}; missing ${missing().length} of ${expected.length}`);
      },
    );

    // Tokens and cost in the session row equal what OpenCode's API reports.
    const info = await oc.api<OcSession>("GET", `/session/${session.id}`);
    assert.ok(info.cost > 0);
    const stored = await waitFor(
      async () => {
        const s = await apiSession(session.id);
        return s && s.tokens.output === info.tokens.output ? s : null;
      },
      10_000,
      "final tokens stored",
    );
    const { total: _total, ...tokens } = stored.tokens;
    assert.deepEqual(tokens, {
      input: info.tokens.input,
      output: info.tokens.output,
      reasoning: info.tokens.reasoning,
      cacheRead: info.tokens.cache.read,
      cacheWrite: info.tokens.cache.write,
    });
    assert.ok(Math.abs(stored.cost - info.cost) < 1e-9, `cost ${stored.cost} vs ${info.cost}`);

    // The heartbeat reached the instances table.
    const instance = db((d) => d.all("SELECT * FROM instances WHERE hostname = ?", "real-server-test"))[0];
    assert.equal(instance?.plugin_version, "0.1.0");
    assert.equal(instance?.opencode_version, "1.18.33");
    await oc.stop();
  },
);

test(
  "file install, `opencode run` against the real server: plain turn stored; wrong key leaves the run unaffected",
  { skip },
  async () => {
    const p = project("file", dashboard.apiKey);
    const r = await runOpencode(p, "say hello");
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const created = db((d) => d.all<SessionRow>("SELECT * FROM sessions WHERE directory = ?", p.dir));
    assert.equal(created.length, 1, "the session was stored before OpenCode exited");
    assert.equal(created[0].attention_reason, "idle", "a finished root turn waits for the user");
    assert.ok(created[0].tokens_output > 0);

    const wrong = project("file", "not-the-key-31337");
    const r2 = await runOpencode(wrong, "say hello");
    assert.equal(r2.code, 0, r2.stderr.slice(-3000));
    assert.match(r2.stdout, /Hello from the fake model/);
    assert.equal(
      r2.stderr.split("\n").filter((l) => /refused the API key \(HTTP 401\)/.test(l)).length,
      1,
      r2.stderr.slice(-3000),
    );
    assert.ok(!r2.stderr.includes("not-the-key-31337"));
    assert.equal(db((d) => d.all("SELECT * FROM sessions WHERE directory = ?", wrong.dir)).length, 0);
  },
);
