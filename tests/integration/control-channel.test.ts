// The control channel's delivery rules (docs/control.md), against the real server: a WebSocket
// client speaking the plugin's side of the protocol stands where the plugin would, so each rule
// can be driven step by step (disconnect before a command, after its delivery, never come back).
// The real plugin inside the real OpenCode is exercised end to end in control.test.ts.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { connectSocket, once, postEvents } from "../support/client.ts";
import { startServer, type TestServer } from "../support/server.ts";
import type { SessionControl } from "../../lib/control/audit.ts";
import type { CommandItem } from "../../lib/control/commands.ts";
import { type CommandFrame, pluginFrame } from "../../lib/control/protocol.ts";
import type { z } from "zod";

let server: TestServer;
const HOST = "chan-host";
const SESSION = "ses_channel1";
let clock = Date.now();
let seq = 0;

before(async () => {
  server = await startServer({ env: { CONTROL_COMMAND_TTL_SECONDS: "2" } });
  await send([
    event("dashboard.heartbeat", { control: "full", pluginVersion: "test" }),
    event("session.created", { sessionID: SESSION, info: { id: SESSION, title: "t", time: { created: clock } } }),
  ]);
});
after(() => server?.dispose());

function event(type: string, properties: Record<string, unknown>) {
  return { id: `evt_chan_${++seq}`, type, hostname: HOST, directory: "/w", time: ++clock, properties };
}
async function send(events: unknown[]) {
  const res = await postEvents(server, { events });
  assert.equal(res.status, 202, res.text);
}
async function api(method: string, route: string, body?: unknown) {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: { "x-api-key": server.password, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Answer };
}
const commandStatus = async (id: string) => (await api("GET", `/api/commands/${id}`)).json.command;

/** What the routes used here answer. */
type Answer = { commandId?: string; command?: CommandItem; sessions?: SessionControl[] };
/** What the server says on the channel. */
type Frame = CommandFrame | { type: "welcome"; serverTime: number };
/** A plugin's side of the channel: connects, says hello and which sessions it owns, collects frames. */
async function plugin(opts: { hostname?: string; key?: string; owns?: string[] } = {}) {
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/control`, {
    headers: { "x-api-key": opts.key ?? server.apiKey },
  });
  const frames: Frame[] = [];
  const waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (!w.test(frame)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(frame);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const say = (frame: z.input<typeof pluginFrame>) => ws.send(JSON.stringify(frame));
  const next = <T extends Frame>(test: (f: Frame) => f is T, timeoutMs = 5000) =>
    new Promise<T>((resolve, reject) => {
      const found = frames.find(test);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error("no such frame in time")), timeoutMs);
      waiters.push({
        test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as T);
        },
      });
    });
  say({ type: "hello", instance: "ins_test", hostname: opts.hostname ?? HOST, control: "full", mode: "serve" });
  await next((f): f is Frame => f.type === "welcome");
  if (opts.owns) {
    say({ type: "own", sessionIds: opts.owns });
    const ids = opts.owns.join(",");
    await waitUntil(
      async () =>
        (await api("GET", `/api/control?ids=${ids}`)).json.sessions?.every(
          (s) => s.abort?.ok === true && s.abort.live,
        ) ?? false,
    );
  }
  return {
    ws,
    frames,
    say,
    next,
    close: () => new Promise<void>((resolve) => (ws.once("close", () => resolve()), ws.close())),
  };
}
const isCommand =
  (id?: string) =>
  (f: Frame): f is CommandFrame =>
    f.type === "command" && (id === undefined || f.id === id);

test("a command goes to the owning connection; received and result move it to delivered and applied", async () => {
  const p = await plugin({ owns: [SESSION] });
  await send([
    event("permission.asked", { id: "per_chan1", sessionID: SESSION, permission: "bash", patterns: ["ls"] }),
  ]);
  const issued = await api("POST", `/api/sessions/${SESSION}/permissions/per_chan1`, { reply: "once" });
  assert.equal(issued.status, 202, JSON.stringify(issued.json));
  const frame = await p.next(isCommand(issued.json.commandId));
  assert.deepEqual(
    { action: frame.action, sessionId: frame.sessionId, args: frame.args },
    { action: "permission.reply", sessionId: SESSION, args: { permissionId: "per_chan1", reply: "once" } },
  );
  p.say({ type: "received", commandId: frame.id });
  await waitUntil(async () => (await commandStatus(frame.id))?.status === "delivered");
  p.say({ type: "result", commandId: frame.id, status: "applied" });
  await waitUntil(async () => (await commandStatus(frame.id))?.status === "applied");
  // A late, contradicting report never rewrites a final outcome.
  p.say({ type: "result", commandId: frame.id, status: "failed", reason: "late" });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await commandStatus(frame.id))?.status, "applied");
  await p.close();
});

test("issued while the connection is down: queued, then sent when the session is owned again", async () => {
  const issued = await api("POST", `/api/sessions/${SESSION}/prompt`, { text: "while you were away" });
  assert.equal(issued.status, 202, JSON.stringify(issued.json));
  assert.equal(issued.json.command?.status, "queued");
  const p = await plugin({ owns: [SESSION] });
  const frame = await p.next(isCommand(issued.json.commandId));
  assert.deepEqual(frame.args, { text: "while you were away" });
  p.say({ type: "result", commandId: frame.id, status: "applied" });
  await waitUntil(async () => (await commandStatus(frame.id))?.status === "applied");
  await p.close();
});

test("delivered but unfinished when the connection drops: sent again after the reconnect, with the same id", async () => {
  await send([event("session.status", { sessionID: SESSION, status: { type: "busy" } })]);
  const first = await plugin({ owns: [SESSION] });
  const issued = await api("POST", `/api/sessions/${SESSION}/abort`);
  assert.equal(issued.status, 202, JSON.stringify(issued.json));
  const frame = await first.next(isCommand(issued.json.commandId));
  first.say({ type: "received", commandId: frame.id });
  await waitUntil(async () => (await commandStatus(frame.id))?.status === "delivered");
  await first.close();
  const second = await plugin({ owns: [SESSION] });
  const again = await second.next(isCommand(frame.id));
  assert.deepEqual(again, frame);
  second.say({ type: "result", commandId: frame.id, status: "applied" });
  await waitUntil(async () => (await commandStatus(frame.id))?.status === "applied");
  await second.close();
  await send([event("session.status", { sessionID: SESSION, status: { type: "idle" } })]);
});

test("never picked up: expired after the limit, live on the dashboard's socket, and never sent later", async () => {
  const socket = connectSocket(server, { password: server.password });
  await new Promise((resolve) => socket.once("connect", () => resolve(undefined)));
  const issued = await api("POST", `/api/sessions/${SESSION}/prompt`, { text: "too late" });
  assert.equal(issued.status, 202);
  const expired = await once(
    socket,
    "command",
    (c) => c.id === issued.json.commandId && c.status === "expired",
    15_000,
  );
  assert.match(expired.reason ?? "", /not applied within 2 s/);
  socket.close();
  const p = await plugin({ owns: [SESSION] });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(p.frames.filter(isCommand(issued.json.commandId)).length, 0);
  await p.close();
});

test("only the owner may report on a command; bad keys and bad frames are refused", async () => {
  await send([
    event("permission.asked", { id: "per_chan2", sessionID: SESSION, permission: "bash", patterns: ["ls"] }),
  ]);
  const owner = await plugin({ owns: [SESSION] });
  const stranger = await plugin({ hostname: "other-host" });
  const issued = await api("POST", `/api/sessions/${SESSION}/permissions/per_chan2`, { reply: "reject" });
  const frame = await owner.next(isCommand(issued.json.commandId));
  stranger.say({ type: "result", commandId: frame.id, status: "failed", reason: "not mine" });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await commandStatus(frame.id))?.status, "queued");
  await owner.close();
  await stranger.close();

  await assert.rejects(plugin({ key: "wrong-key" }), /upgrade refused: 401/);
  await assert.rejects(
    plugin({ key: server.password }),
    /upgrade refused: 401/,
    "the dashboard password is not a plugin key",
  );

  const bad = new WebSocket(`${server.url.replace(/^http/, "ws")}/control`, {
    headers: { "x-api-key": server.apiKey },
  });
  await new Promise((r) => bad.once("open", r));
  bad.send(JSON.stringify({ type: "hello", instance: "x", hostname: HOST, control: "everything", mode: "serve" }));
  const [code, reason] = await new Promise<[number, string]>((r) =>
    bad.once("close", (c, why) => r([c, why.toString()])),
  );
  assert.equal(code, 1008);
  assert.match(reason, /^control: /);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
