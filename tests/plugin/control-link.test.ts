// The plugin's side of the control channel (docs/control.md), run under Bun as shipped, against a
// scripted control server: what it says on connecting, that a command re-sent after a reconnect
// runs once, that it refuses what its level does not allow, and that it reconnects by itself.
// OpenCode's client is a recording stand-in here; the real one is driven in
// tests/integration/control.test.ts.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { WebSocketServer, type WebSocket } from "ws";
import type { PluginFrame } from "../../lib/control/protocol.ts";
import { drivePlugin, makeSandbox, writeGlobalConfig, type Sandbox } from "./harness/run-plugin.ts";

const sandboxes: Sandbox[] = [];
after(() => sandboxes.forEach((s) => s.cleanup()));

/** What the plugin says on the channel (the server parses it with this very schema). */
type Frame = PluginFrame;

/** POST /events answers 200; /control is a WebSocket whose script gets each connection in turn. */
async function controlServer(script: (ws: WebSocket, frames: Frame[], n: number) => void) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":0}'));
  });
  const wss = new WebSocketServer({ server, path: "/control" });
  const keys: (string | undefined)[] = [];
  let n = 0;
  wss.on("connection", (ws, req) => {
    keys.push(req.headers["x-api-key"] as string | undefined);
    const frames: Frame[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(d.toString())));
    script(ws, frames, n++);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, keys, connections: () => n, close: () => (wss.close(), server.close()) };
}

const sessionEvent = {
  id: "evt_ctl_1",
  type: "session.status",
  properties: { sessionID: "ses_ctl", status: { type: "busy" } },
};
const command = { type: "command", id: "cmd_once", sessionId: "ses_ctl", action: "abort", args: {}, expiresAt: 0 };

test("hello and own on connect; a command re-sent after a reconnect runs once; reconnects by itself", async () => {
  const seen: Frame[][] = [];
  const server = await controlServer((ws, frames, n) => {
    seen.push(frames);
    const waitFor = (pred: (f: Frame) => boolean) =>
      new Promise<void>((resolve) => {
        const timer = setInterval(() => frames.some(pred) && (clearInterval(timer), resolve()), 20);
      });
    void (async () => {
      await waitFor((f) => f.type === "own" && f.sessionIds.includes("ses_ctl"));
      ws.send(JSON.stringify(command));
      await waitFor((f) => f.type === "result");
      if (n === 0) ws.close(1012, "restarting"); // the plugin must come back and get it again
    })();
  });
  const sb = makeSandbox();
  sandboxes.push(sb);
  writeGlobalConfig(sb, `url = "${server.url}"\napiKey = "k-123"\nhostname = "ctl-host"\ncontrol = "answer"\n`);
  const result = await drivePlugin(sb, {
    recordClient: true,
    steps: [{ events: [sessionEvent] }, { wait: 4000 }, { dispose: true }],
  });
  server.close();
  assert.equal(result.code, 0, result.stderr);
  assert.ok(server.connections() >= 2, "reconnected after the server closed the connection");
  assert.deepEqual(server.keys.slice(0, 2), ["k-123", "k-123"], "the key travels in a header");
  const hello = seen[0].find((f) => f.type === "hello");
  assert.equal(hello?.hostname, "ctl-host");
  assert.equal(hello?.control, "answer");
  assert.ok(
    seen[1].some((f) => f.type === "own" && f.sessionIds.includes("ses_ctl")),
    "owns it again after reconnecting",
  );
  const calls = result.lines.filter((l) => "call" in l);
  assert.deepEqual(
    calls.map((c) => [c.call, c.args]),
    [["abort", { path: { id: "ses_ctl" } }]],
    "run exactly once",
  );
  for (const frames of seen.slice(0, 2)) {
    assert.deepEqual(
      frames.filter((f) => f.type === "result"),
      [{ type: "result", commandId: "cmd_once", status: "applied" }],
    );
  }
});

test("a command its level does not allow fails with the reason and never reaches OpenCode", async () => {
  const results: Extract<Frame, { type: "result" }>[] = [];
  const server = await controlServer((ws, frames) => {
    const timer = setInterval(() => {
      if (!frames.some((f) => f.type === "own")) return;
      clearInterval(timer);
      ws.send(JSON.stringify({ ...command, id: "cmd_prompt", action: "prompt", args: { text: "hi" } }));
    }, 20);
    ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      if (f.type === "result") results.push(f);
    });
  });
  const sb = makeSandbox();
  sandboxes.push(sb);
  writeGlobalConfig(sb, `url = "${server.url}"\napiKey = "k"\ncontrol = "answer"\n`);
  const result = await drivePlugin(sb, {
    recordClient: true,
    steps: [{ events: [sessionEvent] }, { wait: 1500 }, { dispose: true }],
  });
  server.close();
  assert.deepEqual(
    result.lines.filter((l) => "call" in l),
    [],
  );
  assert.equal(results[0]?.status, "failed");
  assert.match(results[0]?.reason ?? "", /"answer": prompt is not allowed/);
});

test("control off (the default): no connection at all", async () => {
  const server = await controlServer(() => {});
  const sb = makeSandbox();
  sandboxes.push(sb);
  writeGlobalConfig(sb, `url = "${server.url}"\napiKey = "k"\n`);
  const result = await drivePlugin(sb, { steps: [{ events: [sessionEvent] }, { wait: 800 }, { dispose: true }] });
  server.close();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(server.connections(), 0);
});
