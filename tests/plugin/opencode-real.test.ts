// The plugin inside the real OpenCode 1.18 client (node_modules/.bin/opencode), with a fake
// OpenAI-compatible provider and the capture server standing in for the dashboard. Both install
// methods are covered: the one file copied into .opencode/plugin/, and the package listed in
// opencode.json. A recorder plugin beside it logs every bus event OpenCode emitted, so "every
// event arrives, none twice" is checked against OpenCode's own stream.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startCaptureServer, type CaptureServer, type WireEvent } from "./harness/capture-server.ts";
import { replyScript } from "./harness/model-script.ts";
import { startFakeProvider, type FakeProvider } from "../support/fake-provider.ts";
import {
  makeOpencodeProject,
  runOpencode,
  startOpencodeServe,
  waitFor,
  type OpencodeProject,
  type OpencodeServer,
} from "../support/opencode.ts";
import {
  ofType,
  type OcAssistantMessage,
  type OcBusEvent,
  type OcMessage,
  type OcMessageInfo,
  type OcPermissionRequest,
  type OcSession,
  type OcToolPart,
} from "../support/opencode-payloads.ts";

let provider: FakeProvider;
let dashboard: CaptureServer;
const projects: OpencodeProject[] = [];
const servers: OpencodeServer[] = [];

before(async () => {
  provider = await startFakeProvider(replyScript);
  dashboard = await startCaptureServer();
});
after(async () => {
  for (const s of servers) await s.stop();
  await provider.close();
  await dashboard.close();
  for (const p of projects) p.cleanup();
});

function project(
  opts: Partial<Parameters<typeof makeOpencodeProject>[0]> & {
    apiKey?: string;
    noConfig?: boolean;
    recorder?: boolean;
  },
) {
  const p = makeOpencodeProject({
    providerURL: provider.baseURL,
    install: opts.install ?? "file",
    dashboardToml: opts.noConfig
      ? undefined
      : `url = "${dashboard.url}"\napiKey = "${opts.apiKey ?? "real-test-key"}"\nhostname = "oc-test"\n`,
    config: opts.config,
    pluginOptions: opts.pluginOptions,
  });
  if (opts.recorder) installRecorder(p);
  projects.push(p);
  return p;
}

/** A second plugin that writes every bus event OpenCode hands to plugins, to compare against. */
function installRecorder(p: OpencodeProject) {
  const dir = path.join(p.dir, ".opencode", "plugin");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "event-recorder.ts"),
    `import fs from "node:fs"\nconst file = ${JSON.stringify(recordFile(p))}\n` +
      `export const EventRecorder = async () => ({\n` +
      `  event: async ({ event }) => { fs.appendFileSync(file, JSON.stringify(event) + "\\n") },\n` +
      `  dispose: async () => { fs.appendFileSync(file, JSON.stringify({ id: "dispose", type: "__dispose__", properties: {} }) + "\\n") },\n` +
      `})\n`,
  );
}
const recordFile = (p: OpencodeProject) => path.join(p.root, "recorded-events.jsonl");
const recorded = (p: OpencodeProject): OcBusEvent[] =>
  fs.existsSync(recordFile(p))
    ? fs
        .readFileSync(recordFile(p), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

const forDir = (p: OpencodeProject): WireEvent[] => dashboard.accepted().filter((e) => e.directory === p.dir);
const FORWARDABLE = (type: string) =>
  /^(session|message|permission|question|todo|vcs)\.|^file\.edited$|^command\.executed$/.test(type) &&
  type !== "message.part.delta";
const spoolBytes = (p: OpencodeProject) => {
  const dir = path.join(p.dataHome, "opencode-dashboard", "spool");
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir)
    .flatMap((d) => fs.readdirSync(path.join(dir, d)).map((f) => fs.statSync(path.join(dir, d, f)).size))
    .reduce((a, b) => a + b, 0);
};
const NOISE = /^(plugin\.|catalog\.|reference\.|integration\.|installation\.|lsp\.|server\.|file\.watcher)/;

function assertCleanStream(events: WireEvent[]) {
  const ids = events.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, "no event twice");
  assert.deepEqual(
    events.filter((e) => NOISE.test(e.type)).map((e) => e.type),
    [],
    "no start-up noise",
  );
  for (const d of ofType(events, "message.part.delta")) assert.equal("delta" in d.properties, false);
}

test("file install, `opencode run`: a plain text turn arrives with OpenCode's ids and types", async () => {
  const p = project({ install: "file", recorder: true });
  const r = await runOpencode(p, "say hello");
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  assert.match(r.stdout, /Hello from the fake model/);
  const events = forDir(p);
  assertCleanStream(events);
  // OpenCode calls plugins' dispose hook on exit; by then every event must be at the dashboard.
  assert.ok(
    recorded(p).some((e) => e.type === "__dispose__"),
    "OpenCode called dispose",
  );
  const got = new Set(events.map((e) => e.id));
  assert.deepEqual(
    recorded(p)
      .filter((e) => FORWARDABLE(e.type) && !got.has(e.id))
      .map((e) => e.type),
    [],
    "every event OpenCode emitted arrived",
  );
  assert.equal(spoolBytes(p), 0, "nothing left in the spool");
  for (const type of [
    "session.created",
    "session.updated",
    "message.updated",
    "message.part.updated",
    "session.status",
    "session.idle",
    "dashboard.heartbeat",
  ]) {
    assert.ok(
      events.some((e) => e.type === type),
      `${type} forwarded; got ${[...new Set(events.map((e) => e.type))].join(", ")}`,
    );
  }
  const text = ofType(events, "message.part.updated").find(
    (e) => e.properties.part.type === "text" && /Hello from the fake model/.test(e.properties.part.text),
  );
  assert.ok(text, "the answer's text part");
  // While it streamed, the plugin sent the text so far: each snapshot is a start of the answer.
  const part = text.properties.part;
  assert.equal(part.type, "text");
  const snapshots = ofType(events, "message.part.delta").filter((e) => e.properties.partID === part.id);
  const answer = part.text;
  assert.ok(snapshots.length > 0, "the answer streamed");
  for (const s of snapshots) assert.ok(answer.startsWith(s.properties.text ?? "\0"), s.properties.text);
  assert.match(text.id, /^evt_/);
  assert.equal(text.hostname, "oc-test");
  const created = ofType(events, "session.created")[0];
  assert.equal(created.properties.info.directory, p.dir);
  const statuses = ofType(events, "session.status").map((e) => e.properties.status.type);
  assert.deepEqual([statuses[0], statuses[statuses.length - 1]], ["busy", "idle"]);
});

test("package install (opencode.json plugin entry), `opencode run`: a turn with a tool call", async () => {
  const p = project({ install: "package", config: { permission: { bash: "allow" } } });
  const r = await runOpencode(p, "run bash please");
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const events = forDir(p);
  assertCleanStream(events);
  const tool = ofType(events, "message.part.updated")
    .map((e) => e.properties.part)
    .filter((part): part is OcToolPart => part.type === "tool" && part.tool === "bash");
  assert.ok(tool.length > 0, "tool part forwarded");
  assert.ok(
    tool.some((part) => part.state.status === "completed" && /dashboard-tool-ran/.test(part.state.output)),
    "tool completed with its output",
  );
  assert.ok(
    ofType(events, "message.part.updated").some(
      (e) => e.properties.part.type === "text" && /All done/.test(e.properties.part.text),
    ),
  );
});

test("`opencode serve`: permission pending then answered, subagent linked to parent, tokens/cost match, dashboard down 10 s loses nothing", async () => {
  const p = project({
    install: "package",
    recorder: true,
    pluginOptions: { backoffMaxMs: 1500 },
    config: { permission: { bash: "ask" } },
  });
  const server = await startOpencodeServe(p);
  servers.push(server);
  const session = await server.api<OcSession>("POST", "/session", {});
  const prompt = (text: string) =>
    server.api("POST", `/session/${session.id}/prompt_async`, { parts: [{ type: "text", text }] });
  const idleAfter = async (count: number) =>
    waitFor(
      () => ofType(forDir(p), "session.idle").filter((e) => e.properties.sessionID === session.id).length >= count,
      60_000,
      `session idle #${count}`,
    );

  // 1. Permission prompt: forwarded while OpenCode is blocked on it, then its reply.
  await prompt("run bash please");
  const asked = await waitFor(
    () => ofType(forDir(p), "permission.asked").find((e) => e.properties.sessionID === session.id),
    60_000,
    "permission.asked at the dashboard",
  );
  const pending = await server.api<OcPermissionRequest[]>("GET", "/permission");
  assert.ok(
    pending.some((x) => x.id === asked.properties.id),
    "OpenCode still waits on the prompt",
  );
  assert.equal(ofType(forDir(p), "permission.replied").length, 0);
  await server.api("POST", `/permission/${asked.properties.id}/reply`, { reply: "once" });
  const replied = await waitFor(
    () => ofType(forDir(p), "permission.replied").find((e) => e.properties.requestID === asked.properties.id),
    30_000,
    "permission.replied",
  );
  assert.equal(replied.properties.reply, "once");
  await idleAfter(1);

  // 2. Subagent through the task tool: a child session whose parentID is ours.
  await prompt("delegate to a subagent");
  await idleAfter(2);
  const child = ofType(forDir(p), "session.created").find((e) => e.properties.info.parentID === session.id);
  assert.ok(child, "child session forwarded with parentID");
  assert.ok(
    forDir(p).some((e) => e.type === "message.part.updated" && e.properties.sessionID === child.properties.info.id),
    "the child's messages are forwarded too",
  );

  // 3. Dashboard goes away mid-session, comes back 10 s later.
  await dashboard.stop();
  const downAt = Date.now();
  await prompt("say hello again");
  await waitFor(
    () =>
      recorded(p).some(
        (e) =>
          e.type === "session.idle" &&
          e.properties.sessionID === session.id &&
          recorded(p).filter((x) => x.type === "session.idle" && x.properties.sessionID === session.id).length >= 3,
      ),
    60_000,
    "third turn done (recorder)",
  );
  await waitFor(() => spoolBytes(p) > 0, 10_000, "events spooled while the dashboard is down");
  await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - downAt))));
  await dashboard.start();
  await idleAfter(3);

  // Every forwardable event OpenCode emitted arrived exactly once (deltas are throttled by design).
  const expected = recorded(p).filter((e) => FORWARDABLE(e.type));
  await waitFor(
    () => {
      const got = new Set(forDir(p).map((e) => e.id));
      return expected.every((e) => got.has(e.id));
    },
    30_000,
    "every recorded event at the dashboard",
  );
  const events = forDir(p);
  assertCleanStream(events);
  const gotIds = events.map((e) => e.id);
  const missing = expected.filter((e) => !gotIds.includes(e.id));
  assert.deepEqual(
    missing.map((e) => e.type),
    [],
  );
  await waitFor(() => spoolBytes(p) === 0, 10_000, "spool drained");

  // Tokens and cost: the last forwarded session info equals what OpenCode's own API reports.
  const info = await server.api<OcSession>("GET", `/session/${session.id}`);
  const lastUpdate = ofType(events, "session.updated")
    .filter((e) => e.properties.info.id === session.id)
    .pop()!;
  assert.ok(info.cost > 0, `OpenCode computed a cost (${info.cost})`);
  assert.deepEqual(
    { cost: lastUpdate.properties.info.cost, tokens: lastUpdate.properties.info.tokens },
    { cost: info.cost, tokens: info.tokens },
  );
  const messages = await server.api<OcMessage[]>("GET", `/session/${session.id}/message`);
  const assistants = messages
    .map((m) => m.info)
    .filter((m: OcMessageInfo): m is OcAssistantMessage => m.role === "assistant");
  const fromMessages = assistants.reduce((n, m) => n + m.tokens.output, 0);
  assert.equal(fromMessages, info.tokens.output, "session output tokens are the sum of its model calls");
  const forwardedFinal = new Map<string, OcAssistantMessage>();
  for (const { properties } of ofType(events, "message.updated"))
    if (properties.info.sessionID === session.id && properties.info.role === "assistant")
      forwardedFinal.set(properties.info.id, properties.info);
  for (const m of assistants)
    assert.deepEqual(
      { cost: forwardedFinal.get(m.id)?.cost, tokens: forwardedFinal.get(m.id)?.tokens },
      { cost: m.cost, tokens: m.tokens },
    );

  await server.stop();
  assert.equal(server.child.exitCode !== null || server.child.signalCode !== null, true);
});

test("global file install, wrong API key: OpenCode's run is unaffected, the plugin says so once", async () => {
  const refusing = await startCaptureServer({
    respond: () => ({ status: 401, body: { error: { code: "unauthorized", message: "bad key" } } }),
  });
  try {
    const p = project({ install: "global-file" });
    fs.writeFileSync(
      path.join(p.configHome, "opencode", "dashboard.toml"),
      `url = "${refusing.url}"\napiKey = "wrong-key-5150"\n`,
    );
    const r = await runOpencode(p, "say hello");
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.match(r.stdout, /Hello from the fake model/);
    assert.equal(
      r.stderr.split("\n").filter((l) => /refused the API key \(HTTP 401\)/.test(l)).length,
      1,
      r.stderr.slice(-3000),
    );
    assert.ok(!r.stderr.includes("wrong-key-5150") && !r.stdout.includes("wrong-key-5150"));
    assert.ok(refusing.requests.length >= 1 && refusing.requests.length <= 2, `${refusing.requests.length} requests`);
  } finally {
    await refusing.close();
  }
});

test("`npm pack` tarball in opencode.json, missing config: OpenCode's run is unaffected, one clear line", async () => {
  const p = project({ install: "tarball", noConfig: true });
  const tarball = fs.readdirSync(p.root).find((f) => f.endsWith(".tgz"));
  assert.equal(tarball, "opencode-dashboard-plugin-0.1.0.tgz");
  const before = dashboard.requests.length;
  const r = await runOpencode(p, "say hello");
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  assert.match(r.stdout, /Hello from the fake model/);
  assert.equal(
    r.stderr.split("\n").filter((l) => /not configured \(missing url and apiKey\)/.test(l)).length,
    1,
    r.stderr.slice(-3000),
  );
  assert.equal(dashboard.requests.length, before);
});
