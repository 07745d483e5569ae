import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventId, loadStream, postEvents, type WireEvent } from "../support/client";
import { openReadOnly } from "../support/db";
import type { InstanceRow, SessionRow, TimelineRow } from "../../lib/db/schema";
import { startServer, type TestServer } from "../support/server";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.dispose();
});

function event(type: string, properties: Record<string, unknown>, extra: Partial<WireEvent> = {}): WireEvent {
  return { id: eventId(), type, hostname: "host-a", directory: "/srv/app", time: Date.now(), properties, ...extra };
}

describe("POST /events: authentication", () => {
  test("a missing key is 401 JSON", async () => {
    const res = await postEvents(server, event("session.idle", { sessionID: "ses_x" }), { key: null });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, "unauthorized");
  });
  test("a wrong key is 401", async () => {
    const res = await postEvents(server, event("session.idle", { sessionID: "ses_x" }), { key: "wrong-key-123456" });
    assert.equal(res.status, 401);
  });
  test("the dashboard password is not a plugin key", async () => {
    const res = await postEvents(server, event("session.idle", { sessionID: "ses_x" }), { key: server.password });
    assert.equal(res.status, 401);
  });
});

describe("POST /events: bad input", () => {
  test("wrong content type is 415", async () => {
    const res = await postEvents(server, null, { contentType: "text/plain", raw: "{}" });
    assert.equal(res.status, 415);
    assert.equal(res.json.error.code, "unsupported_media_type");
  });
  test("non-JSON is 400", async () => {
    const res = await postEvents(server, null, { raw: "{not json" });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, "invalid_json");
  });
  test("a body over 1 MB is 413", async () => {
    const big = event("message.part.updated", {
      part: { id: "prt_big", sessionID: "ses_big", messageID: "msg_big", type: "text", text: "x".repeat(1_100_000) },
    });
    const res = await postEvents(server, big);
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, "payload_too_large");
  });
  test("more than 500 events is 413", async () => {
    const events = Array.from({ length: 501 }, () => event("vcs.branch.updated", { branch: "main" }));
    const res = await postEvents(server, { events });
    assert.equal(res.status, 413);
    assert.match(res.json.error.message, /at most 500/);
  });
  test("an array body or a non-array events field is 400 naming it", async () => {
    assert.equal((await postEvents(server, [])).json.error.message.startsWith("body"), true);
    const res = await postEvents(server, { events: "nope" });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /^events: /);
  });
  test("a malformed single event is 400 naming the field", async () => {
    const res = await postEvents(server, {
      id: "evt_bad1",
      type: "session.status",
      hostname: "h",
      directory: "/",
      time: 1,
      properties: { sessionID: "ses_1", status: { type: "sleeping" } },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.rejected[0].field, "properties.status.type");
    assert.match(res.json.error.message, /properties\.status\.type/);
  });
  test("in a batch, good events are stored and bad ones reported by index", async () => {
    const good = event("session.status", { sessionID: "ses_batchgood", status: { type: "busy" } });
    const missingId = { ...event("session.idle", { sessionID: "ses_batchgood" }), id: undefined };
    const badTime = { ...event("session.idle", { sessionID: "ses_batchgood" }), time: "yesterday" };
    // Unknown types are not parsed further, so only the envelope stands between these and storage.
    const listProps = { ...event("some.future.event", {}), properties: [1, 2] };
    const textProps = { ...event("some.future.event", {}), properties: "none" };
    const res = await postEvents(server, { events: [good, missingId, badTime, listProps, textProps] });
    assert.equal(res.status, 400);
    assert.equal(res.json.accepted, 1);
    assert.deepEqual(
      res.json.rejected.map((r) => [r.index, r.field]),
      [
        [1, "events[1].id"],
        [2, "events[2].time"],
        [3, "events[3].properties"],
        [4, "events[4].properties"],
      ],
    );
    assert.match(res.json.rejected[3].message, /properties: expected an object/);
    const db = openReadOnly(server.databasePath);
    assert.equal(db.session("ses_batchgood").status, "busy");
    db.close();
  });
});

describe("POST /events: storing", () => {
  test("a single event and a batch are accepted; unknown types are counted as ignored", async () => {
    const single = await postEvents(
      server,
      event("session.status", { sessionID: "ses_single", status: { type: "busy" } }),
    );
    assert.equal(single.status, 202);
    assert.deepEqual(single.json, { accepted: 1, duplicates: 0, ignored: 0 });
    const batch = await postEvents(server, {
      events: [
        event("session.status", { sessionID: "ses_single", status: { type: "idle" } }),
        event("some.future.event", { a: 1 }),
      ],
    });
    assert.deepEqual(batch.json, { accepted: 1, duplicates: 0, ignored: 1 });
  });

  test("a repeated event id is acknowledged as a duplicate and not applied twice", async () => {
    const message = event("message.updated", {
      info: {
        id: "msg_dup",
        sessionID: "ses_dup",
        role: "assistant",
        providerID: "p",
        modelID: "m",
        cost: 0.5,
        tokens: { input: 10, output: 5, reasoning: 0, cache: { read: 0, write: 0 } },
        time: { created: 1, completed: 2 },
      },
    });
    const first = await postEvents(server, { events: [message] });
    const again = await postEvents(server, { events: [message, message] });
    assert.deepEqual(first.json, { accepted: 1, duplicates: 0, ignored: 0 });
    assert.deepEqual(again.json, { accepted: 0, duplicates: 2, ignored: 0 });
    const db = openReadOnly(server.databasePath);
    assert.equal(db.session("ses_dup").cost, 0.5);
    db.close();
  });

  test("totals are the sum over assistant messages, never double counted when a message repeats", async () => {
    const sessionID = "ses_totals";
    const msg = (id: string, completed: boolean, input: number, output: number, cost: number, created: number) =>
      event("message.updated", {
        info: {
          id,
          sessionID,
          role: "assistant",
          providerID: "anthropic",
          modelID: "claude",
          agent: "build",
          cost,
          tokens: { input, output, reasoning: 1, cache: { read: 100, write: 7 } },
          time: completed ? { created, completed: created + 5 } : { created },
        },
      });
    await postEvents(server, {
      events: [
        msg("msg_a", false, 5, 0, 0, 1000),
        msg("msg_a", false, 50, 10, 0.01, 1000),
        msg("msg_a", true, 60, 20, 0.02, 1000),
      ],
    });
    await postEvents(server, {
      events: [msg("msg_b", true, 30, 40, 0.03, 2000), msg("msg_b", true, 30, 40, 0.03, 2000)],
    });
    // A late in-progress update of msg_a must not replace its completed numbers.
    await postEvents(server, { events: [msg("msg_a", false, 1, 1, 0.001, 1000)] });
    await postEvents(server, {
      events: [event("message.updated", { info: { id: "msg_u", sessionID, role: "user", time: { created: 500 } } })],
    });
    const db = openReadOnly(server.databasePath);
    const s = db.session(sessionID);
    assert.equal(s.tokens_input, 90);
    assert.equal(s.tokens_output, 60);
    assert.equal(s.tokens_reasoning, 2);
    assert.equal(s.tokens_cache_read, 200);
    assert.equal(s.tokens_cache_write, 14);
    assert.ok(Math.abs(s.cost - 0.05) < 1e-12);
    assert.equal(s.message_count, 3);
    assert.equal(s.model_id, "claude");
    db.close();
  });

  test("a session row appears from whichever event names it first", async () => {
    await postEvents(
      server,
      event(
        "message.part.updated",
        {
          part: {
            id: "prt_first",
            sessionID: "ses_partfirst",
            messageID: "msg_pf",
            type: "text",
            text: "hello",
            time: { start: 5, end: 6 },
          },
        },
        { hostname: "laptop" },
      ),
    );
    const db = openReadOnly(server.databasePath);
    const s = db.session("ses_partfirst");
    assert.equal(s.hostname, "laptop");
    assert.equal(s.directory, "/srv/app");
    assert.equal(db.timeline("ses_partfirst")[0].text, "hello");
    db.close();
  });

  test("long tool output is capped and the cap is marked", async () => {
    const sessionID = "ses_cap";
    await postEvents(
      server,
      event("message.part.updated", {
        part: {
          id: "prt_cap",
          sessionID,
          messageID: "msg_cap",
          type: "tool",
          tool: "bash",
          callID: "c1",
          state: {
            status: "completed",
            input: { command: "cat big" },
            output: "y".repeat(40_000),
            title: "cat big",
            time: { start: 1, end: 2 },
          },
        },
      }),
    );
    const db = openReadOnly(server.databasePath);
    const row = db.timeline(sessionID)[0];
    assert.equal(row.truncated, 1);
    assert.ok(row.output !== null && row.output.length < 17_000);
    assert.match(row.output, /truncated: 23616 more characters/);
    db.close();
  });

  test("message.part.delta is never stored chunk by chunk", async () => {
    const before = openReadOnly(server.databasePath);
    const rows = before.count("timeline");
    before.close();
    const res = await postEvents(server, {
      events: Array.from({ length: 20 }, (_, i) =>
        event("message.part.delta", {
          sessionID: "ses_delta",
          messageID: "m",
          partID: "p",
          field: "text",
          delta: `chunk ${i}`,
        }),
      ),
    });
    assert.equal(res.json.accepted, 20);
    const db = openReadOnly(server.databasePath);
    assert.equal(db.count("timeline"), rows);
    assert.ok(db.session("ses_delta"), "the session shows activity");
    db.close();
  });

  test("instances are seen on every batch and updated by heartbeats", async () => {
    await postEvents(
      server,
      event(
        "dashboard.heartbeat",
        { opencodeVersion: "1.18.33", pluginVersion: "0.1.0", busySessions: 2, spoolBytes: 0, droppedEvents: 0 },
        { hostname: "ci-box", id: `hb_ci-box_${Date.now()}` },
      ),
    );
    const db = openReadOnly(server.databasePath);
    const row = db.all<InstanceRow>("SELECT * FROM instances WHERE hostname = 'ci-box'")[0];
    assert.equal(row.opencode_version, "1.18.33");
    assert.equal(row.plugin_version, "0.1.0");
    assert.equal(row.busy_reported, 2);
    assert.ok(row.last_seen > Date.now() - 60_000);
    db.close();
  });
});

describe("attention", () => {
  const sessionID = "ses_attn";
  const at = (t: number) => ({ time: 2_000_000 + t });
  const state = () => {
    const db = openReadOnly(server.databasePath);
    const s = db.session(sessionID);
    db.close();
    return s;
  };

  test("idle after busy on a root session: finished turn; busy clears it", async () => {
    await postEvents(server, {
      events: [
        event(
          "session.created",
          { info: { id: sessionID, title: "Fix login", directory: "/srv/app", time: { created: 1, updated: 1 } } },
          at(0),
        ),
        event("session.status", { sessionID, status: { type: "busy" } }, at(1)),
        event("session.status", { sessionID, status: { type: "idle" } }, at(2)),
        event("session.idle", { sessionID }, at(3)),
      ],
    });
    assert.equal(state().attention_reason, "idle");
    assert.equal(state().attention_since, 2_000_002);
    await postEvents(server, event("session.status", { sessionID, status: { type: "busy" } }, at(4)));
    assert.equal(state().attention_reason, null);
  });

  test("permission asked sets attention with the command; the reply clears it", async () => {
    await postEvents(
      server,
      event(
        "permission.asked",
        {
          id: "per_1",
          sessionID,
          permission: "bash",
          patterns: ["rm -rf build"],
          metadata: { command: "rm -rf build" },
          always: ["rm *"],
        },
        at(5),
      ),
    );
    assert.equal(state().attention_reason, "permission");
    assert.equal(state().attention_detail, "bash: rm -rf build");
    await postEvents(server, event("permission.replied", { sessionID, requestID: "per_1", reply: "once" }, at(6)));
    assert.equal(state().attention_reason, null);
  });

  test("a question sets attention with its text; rejecting it clears it", async () => {
    await postEvents(
      server,
      event(
        "question.asked",
        {
          id: "que_1",
          sessionID,
          questions: [{ question: "Which database?", header: "DB", options: [{ label: "SQLite" }] }],
        },
        at(7),
      ),
    );
    assert.equal(state().attention_reason, "question");
    assert.equal(state().attention_detail, "Which database?");
    await postEvents(server, event("question.rejected", { sessionID, requestID: "que_1" }, at(8)));
    assert.equal(state().attention_reason, null);
  });

  test("an error other than an abort sets attention; an abort does not, nor does the idle after it", async () => {
    await postEvents(
      server,
      event(
        "session.error",
        { sessionID, error: { name: "APIError", data: { message: "rate limited by provider" } } },
        at(9),
      ),
    );
    assert.equal(state().attention_reason, "error");
    assert.equal(state().status, "error");
    assert.equal(state().attention_detail, "rate limited by provider");
    await postEvents(server, {
      events: [
        event("session.status", { sessionID, status: { type: "busy" } }, at(10)),
        event(
          "session.error",
          { sessionID, error: { name: "MessageAbortedError", data: { message: "Aborted" } } },
          at(11),
        ),
        event("session.status", { sessionID, status: { type: "idle" } }, at(12)),
        event("session.status", { sessionID, status: { type: "idle" } }, at(13)),
      ],
    });
    assert.equal(state().attention_reason, null);
    assert.equal(state().status, "idle");
  });

  test("subagent sessions never get finished-turn attention, even when the parent is learned late", async () => {
    const child = "ses_attn_child";
    await postEvents(server, {
      events: [
        event("session.status", { sessionID: child, status: { type: "busy" } }, at(20)),
        event("session.status", { sessionID: child, status: { type: "idle" } }, at(21)),
      ],
    });
    const db = openReadOnly(server.databasePath);
    assert.equal(db.session(child).attention_reason, "idle");
    db.close();
    await postEvents(
      server,
      event(
        "session.updated",
        { info: { id: child, parentID: sessionID, title: "subtask", time: { created: 1, updated: 2 } } },
        at(22),
      ),
    );
    const after = openReadOnly(server.databasePath);
    assert.equal(after.session(child).attention_reason, null);
    assert.equal(after.session(child).parent_id, sessionID);
    after.close();
  });
});

describe("real OpenCode streams", () => {
  test("serve: a pending bash permission leaves the session waiting, with the command", async () => {
    const events = loadStream("serve-bash-permission-pending.jsonl", { hostname: "vps-2" });
    const res = await postEvents(server, { events });
    assert.equal(res.status, 202);
    const noise = events.filter((e) => /^(plugin|catalog|reference|integration)\./.test(e.type)).length;
    assert.equal(res.json.ignored, noise);
    assert.equal(res.json.accepted, events.length - noise);
    const db = openReadOnly(server.databasePath);
    const s = db.session("ses_df550c68bffeTpR8dpuyGfV7RN");
    assert.equal(s.hostname, "vps-2");
    assert.equal(s.title, "Done writing.");
    assert.equal(s.status, "busy");
    assert.equal(s.attention_reason, "permission");
    assert.equal(s.attention_detail, "bash: echo hi > out.txt");
    assert.equal(db.pending(s.id).length, 1);
    const tool = db.timeline(s.id).find((r) => r.kind === "tool");
    assert.ok(tool);
    assert.equal(tool.tool, "bash");
    assert.equal(tool.status, "running");
    assert.equal(db.timeline(s.id).find((r) => r.kind === "prompt")?.text, "write a file");
    db.close();
  });

  test("run: the rejected permission clears and the finished turn waits for the user; totals match the messages", async () => {
    const events = loadStream("run-bash-permission-rejected.jsonl");
    await postEvents(server, { events });
    const expected = expectedTotals(events);
    const db = openReadOnly(server.databasePath);
    const s = db.session("ses_df550fc4dffeoz97eoXS99YxqC");
    assert.equal(s.attention_reason, "idle");
    assert.equal(s.status, "idle");
    assert.equal(db.pending(s.id).length, 0);
    assert.deepEqual(pick(s), expected);
    assert.ok(expected.cost > 0, "the fixture carries a cost");
    const permission = db.timeline(s.id).find((r) => r.kind === "permission");
    assert.equal(permission?.status, "reject");
    const tool = db.timeline(s.id).find((r) => r.kind === "tool");
    assert.equal(tool?.status, "error");
    db.close();
  });

  test("out of order and repeated delivery ends in the same state", async () => {
    const events = loadStream("run-bash-permission-rejected.jsonl", { hostname: "shuffled" });
    // Same stream under new ids and a new session id, so it is a different session.
    const remap = (e: WireEvent, seed: number): WireEvent =>
      JSON.parse(
        JSON.stringify(e)
          .replaceAll("ses_df550fc4dffeoz97eoXS99YxqC", `ses_shuffled${seed}`)
          .replace(/"(evt|msg|prt|per)_/g, `"$1_s${seed}_`),
      );
    const orderedState = (() => {
      const db = openReadOnly(server.databasePath);
      const s = db.session("ses_df550fc4dffeoz97eoXS99YxqC");
      db.close();
      return s;
    })();
    for (const seed of Array.from({ length: 15 }, (_, i) => i + 1)) {
      const mine = events.map((e) => remap(e, seed));
      const shuffled = shuffle(mine, seed);
      const withRepeats = [...shuffled, ...shuffle(mine, seed + 100).slice(0, 20)];
      for (let i = 0; i < withRepeats.length; i += 7) await postEvents(server, { events: withRepeats.slice(i, i + 7) });
      const db = openReadOnly(server.databasePath);
      const s = db.session(`ses_shuffled${seed}`);
      for (const column of [
        "title",
        "status",
        "attention_reason",
        "attention_since",
        "tokens_input",
        "tokens_output",
        "tokens_cache_read",
        "cost",
        "message_count",
        "model_id",
      ] as const) {
        assert.equal(s[column], orderedState[column], `seed ${seed}: ${column}`);
      }
      assert.equal(db.timeline(s.id).length, db.timeline(orderedState.id).length, `seed ${seed}: timeline length`);
      db.close();
    }
  });

  test("concurrent requests, committed together, end in the same state; a batch sent twice at once counts once", async () => {
    const events = loadStream("run-bash-permission-rejected.jsonl", { hostname: "concurrent" }).map((e): WireEvent =>
      JSON.parse(
        JSON.stringify(e)
          .replaceAll("ses_df550fc4dffeoz97eoXS99YxqC", "ses_concurrent")
          .replace(/"(evt|msg|prt|per)_/g, `"$1_c_`),
      ),
    );
    const chunks = Array.from({ length: Math.ceil(events.length / 4) }, (_, i) => events.slice(i * 4, i * 4 + 4));
    const replies = await Promise.all([...chunks, chunks[0]].map((chunk) => postEvents(server, { events: chunk })));
    assert.ok(
      replies.every((r) => r.status === 202),
      "every request is answered 202",
    );
    assert.equal(
      replies.reduce((n, r) => n + r.json.accepted + r.json.ignored, 0),
      events.length,
    );
    assert.equal(
      replies.reduce((n, r) => n + r.json.duplicates, 0),
      chunks[0].length,
    );

    const db = openReadOnly(server.databasePath);
    const ordered = db.session("ses_df550fc4dffeoz97eoXS99YxqC");
    const mine = db.session("ses_concurrent");
    for (const column of [
      "title",
      "status",
      "attention_reason",
      "attention_since",
      "tokens_input",
      "tokens_output",
      "tokens_cache_read",
      "cost",
      "message_count",
      "model_id",
    ] as const) {
      assert.equal(mine[column], ordered[column], column);
    }
    const shape = (rows: TimelineRow[]) =>
      rows.map((r) => [r.kind, r.status, r.tool, r.text, r.output, r.time, r.end_time, r.progress].join("|")).sort();
    assert.deepEqual(shape(db.timeline("ses_concurrent")), shape(db.timeline(ordered.id)));
    db.close();
  });
});

test("restart keeps the data", async () => {
  await postEvents(
    server,
    event("session.created", {
      info: { id: "ses_persist", title: "Survives restarts", directory: "/x", time: { created: 1, updated: 1 } },
    }),
  );
  await server.restart();
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  const db = openReadOnly(server.databasePath);
  assert.equal(db.session("ses_persist").title, "Survives restarts");
  db.close();
  // And an already-seen event stays a duplicate after the restart.
  const again = await postEvents(
    server,
    event("session.idle", { sessionID: "ses_persist" }, { id: "evt_restart_probe" }),
  );
  assert.equal(again.json.accepted, 1);
  await server.restart();
  assert.equal(
    (await postEvents(server, event("session.idle", { sessionID: "ses_persist" }, { id: "evt_restart_probe" }))).json
      .duplicates,
    1,
  );
});

function pick(s: SessionRow) {
  return {
    tokens_input: s.tokens_input,
    tokens_output: s.tokens_output,
    tokens_reasoning: s.tokens_reasoning,
    tokens_cache_read: s.tokens_cache_read,
    tokens_cache_write: s.tokens_cache_write,
    cost: s.cost,
  };
}

/** The part of OpenCode's message info that carries usage. */
type MessageInfo = {
  id: string;
  role: string;
  time: { completed?: number };
  cost: number;
  tokens: { input: number; output: number; reasoning: number; cache: { read: number; write: number } };
};

/** Independent of the server: the last completed state of each assistant message, summed. */
function expectedTotals(events: WireEvent[]) {
  const last = new Map<string, MessageInfo>();
  for (const e of events) {
    const info = (e.properties as { info: MessageInfo }).info;
    if (
      e.type === "message.updated" &&
      info.role === "assistant" &&
      (info.time.completed || !last.get(info.id)?.time.completed)
    )
      last.set(info.id, info);
  }
  const sum = (f: (i: MessageInfo) => number) => [...last.values()].reduce((n, i) => n + f(i), 0);
  return {
    tokens_input: sum((i) => i.tokens.input),
    tokens_output: sum((i) => i.tokens.output),
    tokens_reasoning: sum((i) => i.tokens.reasoning),
    tokens_cache_read: sum((i) => i.tokens.cache.read),
    tokens_cache_write: sum((i) => i.tokens.cache.write),
    cost: sum((i) => i.cost),
  };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let x = seed * 2654435761;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
