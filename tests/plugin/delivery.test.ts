// Delivery under failure: retries with backoff, the on-disk spool (order, replay after restart,
// size bound), 401/403, other 4xx, 413 splitting, 429 Retry-After, flushing on exit.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { after, test } from "node:test";
import { accept202, startCaptureServer, type CaptureServer, type WireEvent } from "./harness/capture-server.ts";
import {
  busEvent,
  drivePlugin,
  makeSandbox,
  pluginLogLines,
  spoolFiles,
  spooledEvents,
  writeGlobalConfig,
  type Sandbox,
} from "./harness/run-plugin.ts";

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(respond = accept202, toml = ""): Promise<{ cs: CaptureServer; sb: Sandbox }> {
  const cs = await startCaptureServer({ respond });
  const sb = makeSandbox();
  writeGlobalConfig(sb, `url = "${cs.url}"\napiKey = "delivery-key"\n${toml}`);
  cleanups.push(
    () => cs.close(),
    () => sb.cleanup(),
  );
  return { cs, sb };
}

const FAST = { backoffBaseMs: 50, backoffMaxMs: 300 };
const ids = (events: { id: string }[]) => events.map((e) => e.id);
const nonHeartbeat = (events: WireEvent[]) => events.filter((e) => e.type !== "dashboard.heartbeat");

/** Every test event arrived, in order, none twice. */
function assertExactlyOnceInOrder(got: WireEvent[], sent: { id: string }[]) {
  const g = ids(nonHeartbeat(got));
  assert.equal(new Set(g).size, g.length, "no duplicates");
  assert.deepEqual(g, ids(sent));
}

test("5xx and network errors: events are spooled, then replayed in order once the dashboard is back", async () => {
  let failing = true;
  const { cs, sb } = await setup((req) =>
    failing ? { status: 503, body: { error: { code: "down", message: "maintenance" } } } : accept202(req),
  );
  const first = Array.from({ length: 120 }, (_, i) => busEvent("message.updated", { i }));
  const second = Array.from({ length: 30 }, (_, i) => busEvent("message.updated", { j: i }));
  // The dashboard comes back once the plugin has spooled, however long its start took on a busy
  // machine (a fixed delay raced it).
  const spoolCheck: string[] = [];
  const watch = setInterval(() => {
    const files = spoolFiles(sb);
    if (files.length === 0) return;
    spoolCheck.push(...files);
    failing = false;
    clearInterval(watch);
  }, 50);
  const r = await drivePlugin(sb, {
    options: FAST,
    steps: [{ events: first }, { wait: 600 }, { events: second }, { wait: 2500 }],
  }).finally(() => clearInterval(watch));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(spoolCheck.length > 0, "events were on disk while the dashboard was down");
  assertExactlyOnceInOrder(cs.accepted(), [...first, ...second]);
  assert.equal(spoolFiles(sb).length, 0, "spool emptied after replay");
  const lines = pluginLogLines(r.stderr);
  assert.equal(lines.filter((l) => /unreachable/.test(l)).length, 1, r.stderr);
  assert.equal(lines.filter((l) => /HTTP 503/.test(l)).length, 1, r.stderr);

  // Connection refused works the same way (dashboard process gone).
  await cs.stop();
  const third = Array.from({ length: 10 }, (_, i) => busEvent("message.updated", { k: i }));
  setTimeout(() => void cs.start(), 800);
  const r2 = await drivePlugin(sb, { options: FAST, steps: [{ events: third }, { wait: 2500 }] });
  assert.equal(r2.code, 0, r2.stderr);
  assertExactlyOnceInOrder(cs.accepted(), [...first, ...second, ...third]);
});

test("spool survives a restart: a run that cannot reach the dashboard spools; the next run replays first", async () => {
  const { cs, sb } = await setup();
  await cs.stop();
  const early = Array.from({ length: 40 }, (_, i) => busEvent("session.updated", { i }));
  const r1 = await drivePlugin(sb, { options: FAST, steps: [{ events: early }, { wait: 500 }, { dispose: true }] });
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(ids(nonHeartbeat(spooledEvents(sb))), ids(early));
  await cs.start();
  const late = Array.from({ length: 10 }, (_, i) => busEvent("session.updated", { j: i }));
  const r2 = await drivePlugin(sb, { options: FAST, steps: [{ events: late }, { wait: 1000 }] });
  assert.equal(r2.code, 0, r2.stderr);
  assertExactlyOnceInOrder(cs.accepted(), [...early, ...late]);
  assert.equal(spoolFiles(sb).length, 0);
});

test("exit without dispose: queued events are spooled synchronously and replayed by the next run", async () => {
  const { cs, sb } = await setup();
  const events = Array.from({ length: 7 }, (_, i) =>
    busEvent("session.status", { sessionID: "s", i, status: { type: "busy" } }),
  );
  // Pushed and exited at once: the 250 ms flush never runs, so only the 'exit' handler can save them.
  const r1 = await drivePlugin(sb, { steps: [{ wait: 300 }, { events }, { exit: 0 }] });
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(ids(nonHeartbeat(spooledEvents(sb))), ids(events));
  const r2 = await drivePlugin(sb, { steps: [{ wait: 800 }] });
  assert.equal(r2.code, 0, r2.stderr);
  assertExactlyOnceInOrder(cs.accepted(), events);
});

test("dispose flushes what is queued without waiting for the batch timer", async () => {
  const { cs, sb } = await setup();
  const events = Array.from({ length: 3 }, (_, i) => busEvent("session.idle", { sessionID: "s", i }));
  const r = await drivePlugin(sb, { steps: [{ wait: 300 }, { events }, { dispose: true }, { exit: 0 }] });
  assert.equal(r.code, 0, r.stderr);
  assertExactlyOnceInOrder(cs.accepted(), events);
  assert.equal(spoolFiles(sb).length, 0);
});

test("spool is bounded: oldest events dropped and counted, newest kept in order", async () => {
  const { cs, sb } = await setup(accept202, "spoolMaxBytes = 40000\n");
  await cs.stop();
  const events = Array.from({ length: 1500 }, (_, i) =>
    busEvent("message.part.updated", { sessionID: "ses_b", i, pad: "x".repeat(100) }),
  );
  const steps: unknown[] = [];
  for (let i = 0; i < events.length; i += 100) steps.push({ events: events.slice(i, i + 100) }, { wait: 30 });
  steps.push({ wait: 400 }, { dispose: true });
  const r1 = await drivePlugin(sb, { options: { ...FAST, heartbeatMs: 150 }, steps });
  assert.equal(r1.code, 0, r1.stderr);
  const onDisk = spoolFiles(sb).reduce((n, f) => n + fs.statSync(f).size, 0);
  assert.ok(onDisk <= 40000, `spool holds ${onDisk} bytes`);
  assert.equal(pluginLogLines(r1.stderr).filter((l) => /is full/.test(l)).length, 1, r1.stderr);

  await cs.start();
  const r2 = await drivePlugin(sb, { options: FAST, steps: [{ wait: 1200 }] });
  assert.equal(r2.code, 0, r2.stderr);
  const got = ids(nonHeartbeat(cs.accepted()));
  assert.ok(got.length > 0 && got.length < events.length);
  assert.deepEqual(
    got,
    ids(events.slice(events.length - got.length)),
    "a contiguous tail of the newest events, in order",
  );
  const dropped = Math.max(
    ...cs
      .accepted()
      .filter((e) => e.type === "dashboard.heartbeat")
      .map((e) => Number(e.properties.droppedEvents)),
  );
  assert.ok(dropped >= events.length - got.length - 50, `heartbeat counted ${dropped} dropped events`);
});

test("401: stop sending, keep spooling, say so once; resume when the key is accepted again", async () => {
  let refuse = true;
  const { cs, sb } = await setup((req) =>
    refuse ? { status: 401, body: { error: { code: "unauthorized", message: "wrong key" } } } : accept202(req),
  );
  const batches = Array.from({ length: 5 }, (_, b) =>
    Array.from({ length: 20 }, (_, i) => busEvent("message.updated", { b, i })),
  );
  const steps: unknown[] = [];
  for (const batch of batches) steps.push({ events: batch }, { wait: 300 });
  let refusedRequests = 0;
  let spoolWhileRefused: string[] = [];
  setTimeout(() => {
    refusedRequests = cs.requests.length;
    spoolWhileRefused = spoolFiles(sb);
    refuse = false;
  }, 1400);
  steps.push({ wait: 1500 });
  const r = await drivePlugin(sb, { options: { authRetryMs: 1000 }, steps });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(refusedRequests <= 2, `${refusedRequests} requests while the key was refused (one probe per retry period)`);
  assert.ok(spoolWhileRefused.length > 0, "events spooled while refused");
  const lines = pluginLogLines(r.stderr);
  assert.equal(lines.filter((l) => /refused the API key \(HTTP 401\)/.test(l)).length, 1, r.stderr);
  assert.ok(!r.stderr.includes("delivery-key"));
  assertExactlyOnceInOrder(cs.accepted(), batches.flat());
});

test("403 behaves like 401", async () => {
  const { cs, sb } = await setup(() => ({ status: 403, body: { error: { code: "forbidden", message: "no" } } }));
  const events = Array.from({ length: 60 }, (_, i) => busEvent("message.updated", { i }));
  const r = await drivePlugin(sb, {
    steps: [{ events }, { wait: 300 }, { events: [busEvent("session.idle", {})] }, { wait: 500 }],
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(cs.requests.length, 1);
  assert.equal(pluginLogLines(r.stderr).filter((l) => /HTTP 403/.test(l)).length, 1);
  assert.equal(nonHeartbeat(spooledEvents(sb)).length, 61);
});

test("400 with rejected events and other 4xx: log the server's message once, drop the batch, carry on", async () => {
  const { cs, sb } = await setup(({ events, index }) => {
    if (events.some((e) => e.properties?.bad)) {
      return {
        status: 400,
        body: {
          error: { code: "invalid_event", message: "some events are invalid" },
          rejected: [{ index: 0, field: "properties.bad", message: "nope" }],
          accepted: events.length - 1,
        },
      };
    }
    if (events.some((e) => e.properties?.teapot))
      return { status: 422, body: { error: { code: "unprocessable", message: "cannot take this" } } };
    return accept202({ events, index, path: "", apiKey: "" });
  });
  const bad1 = [busEvent("message.updated", { bad: true })];
  const bad2 = [busEvent("message.updated", { bad: true })];
  const teapot = [busEvent("message.updated", { teapot: true })];
  const good = [busEvent("message.updated", { ok: 1 })];
  const r = await drivePlugin(sb, {
    steps: [
      { wait: 300 },
      { events: bad1 },
      { wait: 400 },
      { events: bad2 },
      { wait: 400 },
      { events: teapot },
      { wait: 400 },
      { events: good },
      { wait: 400 },
    ],
  });
  assert.equal(r.code, 0, r.stderr);
  const lines = pluginLogLines(r.stderr);
  assert.equal(lines.filter((l) => /\(HTTP 400\): invalid_event: some events are invalid/.test(l)).length, 1, r.stderr);
  assert.equal(lines.filter((l) => /\(HTTP 422\): unprocessable: cannot take this/.test(l)).length, 1, r.stderr);
  const sentIds = cs.requests.flatMap((q) => q.events).map((e) => e.id);
  assert.equal(sentIds.filter((id) => id === bad1[0].id).length, 1, "a refused batch is not retried");
  assert.ok(sentIds.includes(good[0].id));
  assert.equal(spoolFiles(sb).length, 0);
});

test("413: the batch is split in halves until it fits; a single oversized event is dropped with a log line", async () => {
  const huge = busEvent("message.part.updated", { huge: true });
  const { cs, sb } = await setup(({ events, index }) => {
    if (events.length > 8 || events.some((e) => e.id === huge.id))
      return { status: 413, body: { error: { code: "too_large", message: "too large" } } };
    return accept202({ events, index, path: "", apiKey: "" });
  });
  const before = Array.from({ length: 30 }, (_, i) => busEvent("message.updated", { i }));
  const afterHuge = Array.from({ length: 10 }, (_, i) => busEvent("message.updated", { j: i }));
  const r = await drivePlugin(sb, {
    steps: [{ wait: 300 }, { events: [...before, huge, ...afterHuge] }, { wait: 800 }],
  });
  assert.equal(r.code, 0, r.stderr);
  assertExactlyOnceInOrder(cs.accepted(), [...before, ...afterHuge]);
  assert.equal(
    pluginLogLines(r.stderr).filter((l) => /too large \(HTTP 413\); dropped it/.test(l)).length,
    1,
    r.stderr,
  );
});

test("429 honours Retry-After", async () => {
  const times: number[] = [];
  const { cs, sb } = await setup((req) => {
    times.push(Date.now());
    return times.length === 1
      ? { status: 429, headers: { "retry-after": "1" }, body: { error: { code: "slow_down", message: "later" } } }
      : accept202(req);
  });
  const events = [busEvent("session.idle", { sessionID: "s" })];
  const r = await drivePlugin(sb, { options: FAST, steps: [{ events }, { wait: 1800 }] });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(times.length >= 2);
  assert.ok(times[1] - times[0] >= 950, `retried after ${times[1] - times[0]} ms`);
  assertExactlyOnceInOrder(cs.accepted(), events);
});

test("a request that never answers times out and is retried", async () => {
  let first = true;
  const { cs, sb } = await setup((req) => {
    if (first) {
      first = false;
      return { status: 0, hang: true };
    }
    return accept202(req);
  });
  const events = Array.from({ length: 5 }, (_, i) => busEvent("message.updated", { i }));
  const r = await drivePlugin(sb, { options: { ...FAST, requestTimeoutMs: 400 }, steps: [{ events }, { wait: 1500 }] });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(cs.requests.filter((q) => q.status === 0).length, 1, "one request hung");
  assertExactlyOnceInOrder(cs.accepted(), events);
  assert.ok(
    pluginLogLines(r.stderr).some((l) => /cannot reach .*events: .*(timed out|timeout|abort)/i.test(l)),
    r.stderr,
  );
});

test("memory stays bounded: past 5,000 queued events the queue spills to the spool, order kept", async () => {
  // A slow dashboard: the first request takes 1.5 s, so 6,000 events pile up behind it.
  const { cs, sb } = await setup((req) => (req.index === 0 ? { ...accept202(req), delayMs: 1500 } : accept202(req)));
  let spooledWhileSlow = 0;
  setTimeout(() => (spooledWhileSlow = spoolFiles(sb).length), 1100);
  const first = [busEvent("session.created", { sessionID: "s" })];
  const burst = Array.from({ length: 6000 }, (_, i) => busEvent("message.part.updated", { sessionID: "s", i }));
  const steps: unknown[] = [{ events: first }, { wait: 300 }];
  for (let i = 0; i < burst.length; i += 1000) steps.push({ events: burst.slice(i, i + 1000) }, { wait: 50 });
  steps.push({ wait: 3000 });
  const r = await drivePlugin(sb, { options: FAST, steps });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(spooledWhileSlow > 0, "the overflow went to disk while the request was in flight");
  assertExactlyOnceInOrder(cs.accepted(), [...first, ...burst]);
  assert.equal(spoolFiles(sb).length, 0);
});

test("spool segments of another live OpenCode process are left to it; a gone process's are replayed", async () => {
  const { cs, sb } = await setup();
  // Find the spool dir by letting the plugin create it, then plant two foreign segments.
  await drivePlugin(sb, { steps: [{ wait: 100 }] });
  const dir = fs
    .readdirSync(`${sb.dataHome}/opencode-dashboard/spool`)
    .map((d) => `${sb.dataHome}/opencode-dashboard/spool/${d}`)[0];
  const line = (id: string) =>
    JSON.stringify({ id, type: "session.idle", hostname: "h", directory: "/d", time: 1, properties: {} }) + "\n";
  const livePid = process.pid; // this test runner: alive for sure
  fs.writeFileSync(`${dir}/1000000000-${livePid}.jsonl`, line("evt_live_other"));
  const gonePid = spawnSync("true").pid; // a process that has exited
  fs.writeFileSync(`${dir}/1000000001-${gonePid}.jsonl`, line("evt_orphan"));
  const r = await drivePlugin(sb, { steps: [{ wait: 800 }] });
  assert.equal(r.code, 0, r.stderr);
  const got = ids(cs.accepted());
  assert.ok(got.includes("evt_orphan"), "orphaned segment replayed");
  assert.ok(!got.includes("evt_live_other"), "a live process's segment is not touched");
  assert.ok(fs.existsSync(`${dir}/1000000000-${livePid}.jsonl`));
});
