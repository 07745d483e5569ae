// SIGTERM while plugins keep posting over keep-alive connections: the server stops taking new
// work at once, answers what it has accepted, stores everything it acknowledged, and is gone
// well within Docker's 10 s stop timeout.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { io } from "socket.io-client";
import WebSocket from "ws";
import { connected, connectSocket } from "../support/client";
import { openReadOnly } from "../support/db";
import { bareServerEnv, SERVER_ENTRY, startServer, type TestServer } from "../support/server";

const CLIENTS = 6;
/** Bounded, and far more than the server can answer in the 5 s it has to stop. */
const MAX_REQUESTS_PER_CLIENT = 3_000;
const EVENTS_PER_REQUEST = 5;
/** Requests answered before the signal is sent: well into the load. */
const ANSWERED_BEFORE_SIGNAL = 300;
const STOP_WITHIN_MS = 5_000;
/**
 * Answers a client may still get after the signal was sent: the request in flight, one that was
 * already on its way, and those answered before the server's event loop took the signal.
 */
const ANSWERS_AFTER_SIGNAL_PER_CLIENT = 5;

type Reply =
  | { kind: "answered"; status: number; connectionClose: boolean; at: number }
  | { kind: "refused" }
  | { kind: "reset"; code: string; message: string };
/** A request's reply and what it carried. */
type Outcome = Reply & { eventIds: string[]; partIds: string[] };

function post(server: TestServer, agent: http.Agent, body: string): Promise<Reply> {
  return new Promise<Reply>((resolve) => {
    const req = http.request(
      `${server.url}/events`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-api-key": server.apiKey,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            kind: "answered",
            status: res.statusCode ?? 0,
            connectionClose: res.headers.connection === "close",
            at: Date.now(),
          }),
        );
        res.on("error", (error: NodeJS.ErrnoException) =>
          resolve({ kind: "reset", code: error.code ?? "", message: error.message }),
        );
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === "ECONNREFUSED"
          ? { kind: "refused" }
          : { kind: "reset", code: error.code ?? "", message: error.message },
      ),
    );
    req.end(body);
  });
}

/** One plugin: a keep-alive connection posting batches back to back until it is refused. */
async function runClient(server: TestServer, client: number, onAnswer: () => void): Promise<Outcome[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const outcomes: Outcome[] = [];
  const sessionID = `ses_shutdown_${client}`;
  try {
    for (let n = 0; n < MAX_REQUESTS_PER_CLIENT; n++) {
      const eventIds: string[] = [];
      const partIds: string[] = [];
      const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, k) => {
        const id = `evt_shutdown_${client}_${n}_${k}`;
        const partId = `prt_shutdown_${client}_${n}_${k}`;
        eventIds.push(id);
        partIds.push(partId);
        const time = Date.now();
        return {
          id,
          type: "message.part.updated",
          hostname: `host-${client}`,
          directory: "/srv/load",
          time,
          properties: {
            part: {
              id: partId,
              sessionID,
              messageID: `msg_shutdown_${client}`,
              type: "text",
              text: `chunk ${n}.${k}`,
              time: { start: time, end: time },
            },
          },
        };
      });
      const reply = await post(server, agent, JSON.stringify({ events }));
      outcomes.push({ ...reply, eventIds, partIds });
      if (reply.kind !== "answered") break;
      onAnswer();
    }
  } finally {
    agent.destroy();
  }
  return outcomes;
}

test("SIGTERM under keep-alive load: stops within 5 s, no request reset after it was accepted, no acknowledged event lost", async () => {
  const server = await startServer();
  let answered = 0;
  let signalled!: () => void;
  const enoughLoad = new Promise<void>((resolve) => (signalled = resolve));
  const clients = Array.from({ length: CLIENTS }, (_, i) =>
    runClient(server, i, () => {
      if (++answered === ANSWERED_BEFORE_SIGNAL) signalled();
    }),
  );
  await enoughLoad;

  const signalAt = Date.now();
  const exitCode = await server.stop(); // SIGTERM, then waits for the process to exit
  const stoppedIn = Date.now() - signalAt;
  const results = await Promise.all(clients);

  try {
    assert.equal(exitCode, 0, server.output().slice(-2000));
    assert.ok(stoppedIn <= STOP_WITHIN_MS, `the server took ${stoppedIn} ms to stop`);

    for (const [client, outcomes] of results.entries()) {
      const resets = outcomes.filter((o) => o.kind === "reset").map(({ eventIds: _e, partIds: _p, ...reply }) => reply);
      assert.deepEqual(resets, [], `client ${client}: requests reset without an answer`);
      const last = outcomes.at(-1)!;
      assert.equal(last.kind, "refused", `client ${client} ended with ${last.kind}, not a refused connect`);
      const after = outcomes.filter((o) => o.kind === "answered" && o.at >= signalAt);
      assert.ok(
        after.length <= ANSWERS_AFTER_SIGNAL_PER_CLIENT,
        `client ${client}: ${after.length} requests answered after the signal`,
      );
      // The connection's last answer told the client to close it.
      const lastAnswer = outcomes.findLast((o) => o.kind === "answered");
      assert.ok(
        lastAnswer?.kind === "answered" && lastAnswer.connectionClose,
        `client ${client}: no Connection: close`,
      );
    }

    const acknowledged = results
      .flat()
      .filter((o) => o.kind === "answered" && o.status >= 200 && o.status < 300) as Extract<
      Outcome,
      { kind: "answered" }
    >[];
    assert.ok(acknowledged.length >= ANSWERED_BEFORE_SIGNAL);
    const db = openReadOnly(server.databasePath);
    try {
      const seen = new Set(db.all("SELECT id FROM events_seen").map((r) => r.id as string));
      const keys = new Set(db.all("SELECT key FROM timeline").map((r) => r.key as string));
      const lostEvents = acknowledged.flatMap((o) => o.eventIds).filter((id) => !seen.has(id));
      const lostParts = acknowledged.flatMap((o) => o.partIds).filter((id) => !keys.has(id));
      assert.deepEqual(lostEvents.slice(0, 5), [], `${lostEvents.length} acknowledged events are not stored`);
      assert.deepEqual(lostParts.slice(0, 5), [], `${lostParts.length} acknowledged parts are not in the timeline`);
    } finally {
      db.close();
    }
  } finally {
    await server.dispose();
  }
});

/** Waits (at most 30 s) until the server has written a line matching `pattern`. */
async function untilOutput(server: TestServer, pattern: RegExp) {
  const deadline = Date.now() + 30_000;
  while (!pattern.test(server.output())) {
    if (Date.now() > deadline) assert.fail(`no ${pattern} within 30 s:\n${server.output().slice(-1500)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const root = path.resolve(import.meta.dirname, "../..");

test("a signal during start-up stops the server cleanly once it has started, not by the signal's default", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-stop-early-"));
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: root,
    env: bareServerEnv(dir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // The first log line comes before the database is opened and Next is prepared: well inside start-up.
  child.stdout!.on("data", (chunk: Buffer) => {
    const before = output;
    output += chunk.toString();
    if (!/starting OpenCode Dashboard/.test(before) && /starting OpenCode Dashboard/.test(output))
      child.kill("SIGTERM");
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, output);
    assert.match(output, /SIGTERM received while starting/);
    assert.match(output, /"msg":"stopped"/);
  } finally {
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a second signal while stopping exits at once, saying so", async () => {
  const server = await startServer();
  // A request whose body never ends holds a graceful stop for its whole grace period.
  const held = http.request(`${server.url}/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": "1000", "x-api-key": server.apiKey },
  });
  held.on("error", () => {});
  await new Promise<void>((resolve) => held.write('{"events":[', () => resolve()));
  // In flight before the signal (signalled at once, the server stopped before it read it): a
  // request sent after it is answered once the server has read what came before.
  await fetch(`${server.url}/health`);
  try {
    // Named once: after the helper's stop it has no process to name.
    const pid = server.pid;
    process.kill(pid, "SIGINT");
    await untilOutput(server, /SIGINT received: finishing/);
    assert.doesNotMatch(server.output(), /"msg":"stopped"/, "still stopping when the second signal comes");
    process.kill(pid, "SIGINT");
    await untilOutput(server, /SIGINT received again|"msg":"stopped"/);
    assert.equal(await server.stop(), 1, server.output().slice(-1500));
    assert.match(server.output(), /SIGINT received again: exiting now/);
    assert.doesNotMatch(server.output(), /"msg":"stopped"/);
  } finally {
    held.destroy();
    await server.dispose();
  }
});

test("live clients (socket.io over WebSocket and long-polling, plugins' /control) are closed at once and do not hold the stop", async () => {
  const server = await startServer();
  const auth = { password: server.password };
  const sockets = [
    ...Array.from({ length: 3 }, () => connectSocket(server, auth)),
    ...Array.from({ length: 2 }, () =>
      io(server.url, { path: "/socket.io", auth, transports: ["polling"], reconnection: false, forceNew: true }),
    ),
  ];
  await Promise.all(sockets.map((socket) => connected(socket)));
  const control = new WebSocket(`ws://127.0.0.1:${server.port}/control`, { headers: { "x-api-key": server.apiKey } });
  await new Promise((resolve, reject) => {
    control.once("open", resolve);
    control.once("error", reject);
  });
  control.send(
    JSON.stringify({ type: "hello", instance: "ins_stop", hostname: "stop-host", control: "full", mode: "serve" }),
  );
  const disconnected = sockets.map((socket) => new Promise<string>((resolve) => socket.once("disconnect", resolve)));
  const controlClosed = new Promise<number>((resolve) => control.once("close", resolve));
  try {
    const exitCode = await server.stop();
    assert.equal(exitCode, 0, server.output().slice(-1500));
    // Each is dropped by the server (a long-poll sees its next request refused), none left to time out.
    const reasons = await Promise.all(disconnected);
    assert.ok(
      reasons.every((reason) => reason === "transport close" || reason === "transport error"),
      reasons.join(", "),
    );
    assert.equal(await controlClosed, 1001, "going away");
    assert.doesNotMatch(server.output(), /requests still open after/);
  } finally {
    for (const socket of sockets) socket.close();
    control.terminate();
    await server.dispose();
  }
});
