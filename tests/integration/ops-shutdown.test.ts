// SIGTERM while plugins keep posting over keep-alive connections: the server stops taking new
// work at once, answers what it has accepted, stores everything it acknowledged, and is gone
// well within Docker's 10 s stop timeout.
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { openReadOnly } from "../support/db";
import { startServer, type TestServer } from "../support/server";

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
