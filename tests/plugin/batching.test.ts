// What gets forwarded and when: wire shape, allow-list, batching (50 events / 250 ms), streamed
// text snapshots, heartbeat. Runs the shipped plugin file under Bun against a capture server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startCaptureServer, type CaptureServer } from "./harness/capture-server.ts";
import { busEvent, drivePlugin, makeSandbox, writeGlobalConfig, type Sandbox } from "./harness/run-plugin.ts";

let cs: CaptureServer;
let sb: Sandbox;
before(async () => {
  cs = await startCaptureServer({ prefix: "/dash" });
  sb = makeSandbox();
  // A path prefix and a trailing slash must both be handled.
  writeGlobalConfig(sb, `url = "${cs.url}/"\napiKey = "batch-key"\nhostname = "test-host"\n`);
});
after(async () => {
  await cs.close();
  sb.cleanup();
});

/** Requests of this run only, heartbeats left out. */
function newRequests(from: number) {
  return cs.requests
    .slice(from)
    .map((r) => ({ ...r, events: r.events.filter((e) => e.type !== "dashboard.heartbeat") }))
    .filter((r) => r.events.length > 0);
}

test("forwards OpenCode's id, type and properties plus hostname, directory and time, to {url}/events", async () => {
  const from = cs.requests.length;
  const ev = busEvent("session.updated", { sessionID: "ses_a", info: { id: "ses_a", title: "T", version: "1.18.33" } });
  const t0 = Date.now();
  const r = await drivePlugin(sb, { steps: [{ events: [ev] }, { wait: 600 }] });
  assert.equal(r.code, 0, r.stderr);
  const reqs = cs.requests.slice(from);
  assert.ok(
    reqs.every((q) => q.path === "/events"),
    JSON.stringify(reqs.map((q) => q.path)),
  );
  assert.ok(
    reqs.every((q) => q.headers["content-type"] === "application/json" && q.headers["x-api-key"] === "batch-key"),
  );
  const got = reqs.flatMap((q) => q.events).find((e) => e.id === ev.id)!;
  assert.deepEqual(Object.keys(got).sort(), ["directory", "hostname", "id", "properties", "time", "type"]);
  assert.equal(got.type, "session.updated");
  assert.deepEqual(got.properties, ev.properties);
  assert.equal(got.hostname, "test-host");
  assert.equal(got.directory, sb.project);
  assert.ok(got.time >= t0 && got.time <= Date.now());
});

test("heartbeat on start carries versions, busy sessions, spool size and drops", async () => {
  const from = cs.requests.length;
  const steps = [
    {
      events: [
        busEvent("session.updated", { sessionID: "s1", info: { id: "s1", version: "1.18.33" } }),
        busEvent("session.status", { sessionID: "s1", status: { type: "busy" } }),
      ],
    },
    { wait: 400 },
  ];
  const r = await drivePlugin(sb, { steps, options: { heartbeatMs: 200 } });
  assert.equal(r.code, 0, r.stderr);
  const hbs = cs.requests
    .slice(from)
    .flatMap((q) => q.events)
    .filter((e) => e.type === "dashboard.heartbeat");
  assert.ok(hbs.length >= 2, `start + periodic heartbeats, got ${hbs.length}`);
  assert.match(hbs[0].id, /^hb_test-host_\d+$/);
  assert.deepEqual(Object.keys(hbs[0].properties).sort(), [
    "busySessions",
    "control",
    "droppedEvents",
    "opencodeVersion",
    "pluginVersion",
    "spoolBytes",
  ]);
  assert.equal(hbs[0].properties.opencodeVersion, null);
  assert.equal(hbs[0].properties.busySessions, 0);
  assert.equal(hbs[0].properties.control, "off", "control is off unless the machine's owner turns it on");
  const last = hbs[hbs.length - 1].properties;
  assert.equal(last.opencodeVersion, "1.18.33");
  assert.equal(last.busySessions, 1);
  assert.equal(last.pluginVersion, "0.1.0");
  assert.equal(last.spoolBytes, 0);
  assert.equal(last.droppedEvents, 0);
});

test("drops start-up noise, keeps the allow-listed families", async () => {
  const from = cs.requests.length;
  const kept = [
    "session.created",
    "session.status",
    "session.idle",
    "session.error",
    "session.diff",
    "session.compacted",
    "message.updated",
    "message.part.updated",
    "message.removed",
    "permission.asked",
    "permission.replied",
    "question.asked",
    "question.replied",
    "todo.updated",
    "file.edited",
    "command.executed",
    "vcs.branch.updated",
  ].map((t) => busEvent(t, { sessionID: "ses_k" }));
  const noise = [
    "plugin.added",
    "catalog.updated",
    "reference.updated",
    "integration.updated",
    "installation.updated",
    "lsp.updated",
    "file.watcher.updated",
    "server.connected",
  ].map((t) => busEvent(t, {}));
  const r = await drivePlugin(sb, {
    steps: [{ events: [...noise.slice(0, 4), ...kept, ...noise.slice(4)] }, { wait: 500 }],
  });
  assert.equal(r.code, 0, r.stderr);
  const got = newRequests(from).flatMap((q) => q.events);
  assert.deepEqual(
    got.map((e) => e.type),
    kept.map((e) => e.type),
  );
});

test("batch timing: 50 queued events flush at once, fewer wait for the 250 ms timer", async () => {
  const arrivals: { at: number; n: number }[] = [];
  const timed = await startCaptureServer({
    respond: ({ events }) => {
      const n = events.filter((e) => e.type !== "dashboard.heartbeat").length;
      if (n > 0) arrivals.push({ at: Date.now(), n });
      return { status: 202, body: { accepted: events.length, duplicates: 0, ignored: 0 } };
    },
  });
  const local = makeSandbox();
  try {
    writeGlobalConfig(local, `url = "${timed.url}"\napiKey = "k"\n`);
    const fifty = Array.from({ length: 50 }, (_, i) => busEvent("message.updated", { i }));
    const three = Array.from({ length: 3 }, (_, i) => busEvent("message.updated", { j: i }));
    const r = await drivePlugin(local, {
      steps: [{ wait: 400 }, { events: fifty }, { wait: 600 }, { events: three }, { wait: 600 }],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      arrivals.map((a) => a.n),
      [50, 3],
    );
    // Event times are stamped by the plugin when it received them.
    const reqs = timed.requests.filter((q) => q.events.some((e) => e.type === "message.updated"));
    const fullDelay = arrivals[0].at - reqs[0].events[0].time;
    const partialDelay = arrivals[1].at - reqs[1].events[0].time;
    assert.ok(fullDelay < 200, `full batch sent after ${fullDelay} ms`);
    assert.ok(partialDelay >= 200 && partialDelay < 900, `partial batch sent after ${partialDelay} ms`);
  } finally {
    await timed.close();
    local.cleanup();
  }
});

test("many events keep their order and no request exceeds 500 events", async () => {
  const from = cs.requests.length;
  const events = Array.from({ length: 1200 }, (_, i) => busEvent("message.part.updated", { sessionID: "ses_o", i }));
  const r = await drivePlugin(sb, { steps: [{ events }, { wait: 1000 }] });
  assert.equal(r.code, 0, r.stderr);
  const reqs = newRequests(from);
  assert.ok(reqs.every((q) => q.events.length <= 500));
  assert.deepEqual(
    reqs.flatMap((q) => q.events).map((e) => e.id),
    events.map((e) => e.id),
  );
});

test("message.part.delta: a streaming part's text so far, at most every 250 ms per part, the last when it pauses", async () => {
  const from = cs.requests.length;
  const opened = (part: string, type: string) =>
    busEvent("message.part.updated", {
      sessionID: "ses_d",
      part: { id: part, messageID: "msg_d", sessionID: "ses_d", type, text: "", time: { start: 1_000 } },
      time: 1_000,
    });
  const chunk = (part: string, n: number) => `${part}-${n} `;
  const delta = (part: string, n: number) =>
    busEvent("message.part.delta", {
      sessionID: "ses_d",
      messageID: "msg_d",
      partID: part,
      field: "text",
      delta: chunk(part, n),
    });
  const steps: unknown[] = [{ events: [opened("prt_A", "text"), opened("prt_B", "reasoning")] }];
  // About 1.2 s of streaming for part A (a chunk every 50 ms), plus a short burst on part B.
  const chunksA = 24;
  const chunksB = 5;
  for (let i = 0; i < chunksA; i++) {
    steps.push({ events: i < chunksB ? [delta("prt_A", i), delta("prt_B", i)] : [delta("prt_A", i)] });
    steps.push({ wait: 50 });
  }
  steps.push({ wait: 600 });
  const r = await drivePlugin(sb, { steps });
  assert.equal(r.code, 0, r.stderr);
  const snapshots = newRequests(from)
    .flatMap((q) => q.events)
    .filter((e) => e.type === "message.part.delta");
  const textOf = (part: string, n: number) => Array.from({ length: n }, (_, i) => chunk(part, i)).join("");
  for (const [part, n, type] of [
    ["prt_A", chunksA, "text"],
    ["prt_B", chunksB, "reasoning"],
  ] as const) {
    const mine = snapshots.filter((e) => e.properties.partID === part);
    assert.ok(mine.length >= 1 && mine.length < n, `${part}: ${mine.length} snapshots for ${n} chunks`);
    const texts = mine.map((e) => String(e.properties.text));
    for (let i = 0; i < texts.length; i++) {
      assert.ok(textOf(part, n).startsWith(texts[i]), `${part} snapshot ${i} is the text so far`);
      if (i > 0) assert.ok(texts[i].length > texts[i - 1].length, `${part} snapshots grow`);
      if (i > 0) assert.ok(mine[i].time - mine[i - 1].time >= 250, `${part} snapshots are 250 ms apart`);
    }
    assert.equal(texts.at(-1), textOf(part, n), `${part}: the last snapshot holds every chunk`);
    for (const m of mine) {
      assert.equal("delta" in m.properties, false);
      assert.deepEqual(Object.keys(m.properties).sort(), [
        "field",
        "messageID",
        "partID",
        "partType",
        "sessionID",
        "start",
        "text",
      ]);
      assert.equal(m.properties.partType, type);
      assert.equal(m.properties.start, 1_000);
    }
  }
});
