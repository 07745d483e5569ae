import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SessionRow } from "../../lib/db/schema";
import { FINISHED_DETAIL } from "../../lib/ingest/rules/attention";
import { dismissAttention } from "../../lib/sessions/commands";
import { processStore, wireEvent } from "../support/ingest";

/**
 * The attention rules (lib/ingest/rules/) against a real SQLite file: events go through the same
 * batch and store as POST /events, and each case reads the sessions row they leave. Times are
 * event times; where a case sends events out of order, each goes in a batch of its own, the way
 * separate requests would carry them.
 */
const fixture = processStore("attention");
const { send } = fixture;

type Attention = Pick<
  SessionRow,
  "attention_reason" | "attention_detail" | "attention_since" | "attention_ref" | "status" | "error_message"
>;
const attentionOf = (id: string) =>
  fixture.db.sqlite
    .prepare(
      `SELECT attention_reason, attention_detail, attention_since, attention_ref, status, error_message
       FROM sessions WHERE id = ?`,
    )
    .get(id) as Attention;
const reasonOf = (id: string) => attentionOf(id).attention_reason;
const pendingOf = (id: string) =>
  fixture.db.sqlite.prepare("SELECT id FROM pending_requests WHERE session_id = ? ORDER BY asked_at").pluck().all(id);

let sessions = 0;
const newSession = () => `ses_att_${sessions++}`;

const busy = (sessionID: string, time: number) =>
  wireEvent("session.status", { sessionID, status: { type: "busy" } }, time);
const idle = (sessionID: string, time: number) =>
  wireEvent("session.status", { sessionID, status: { type: "idle" } }, time);
const twinIdle = (sessionID: string, time: number) => wireEvent("session.idle", { sessionID }, time);
const error = (sessionID: string, time: number, name = "APIError", message = "rate limited by provider") =>
  wireEvent("session.error", { sessionID, error: { name, data: { message } } }, time);
const abort = (sessionID: string, time: number) => error(sessionID, time, "MessageAbortedError", "Aborted");
const permissionAsked = (sessionID: string, id: string, time: number, command = "rm -rf build") =>
  wireEvent(
    "permission.asked",
    { id, sessionID, permission: "bash", patterns: [command], metadata: { command }, always: ["rm *"] },
    time,
  );
const permissionReplied = (sessionID: string, requestID: string, time: number) =>
  wireEvent("permission.replied", { sessionID, requestID, reply: "once" }, time);
const questionAsked = (sessionID: string, id: string, time: number) =>
  wireEvent(
    "question.asked",
    { id, sessionID, questions: [{ question: "Which database?", header: "DB", options: [{ label: "SQLite" }] }] },
    time,
  );
const created = (sessionID: string, time: number, parentID?: string) =>
  wireEvent(
    "session.created",
    { info: { id: sessionID, parentID, title: "t", directory: "/w", time: { created: time, updated: time } } },
    time,
  );

describe("permission and question", () => {
  test("a permission sets attention with its command until the reply", () => {
    const id = newSession();
    send(busy(id, 10), permissionAsked(id, `per_1_${id}`, 11));
    assert.deepEqual(attentionOf(id), {
      attention_reason: "permission",
      attention_detail: "bash: rm -rf build",
      attention_since: 11,
      attention_ref: `per_1_${id}`,
      status: "busy",
      error_message: null,
    });
    assert.deepEqual(pendingOf(id), [`per_1_${id}`]);
    send(permissionReplied(id, `per_1_${id}`, 12));
    assert.equal(reasonOf(id), null);
    assert.deepEqual(pendingOf(id), []);
  });

  test("a question sets attention with its text; answering or rejecting it clears it", () => {
    for (const answer of ["question.replied", "question.rejected"]) {
      const id = newSession();
      send(busy(id, 10), questionAsked(id, `que_1_${id}`, 11));
      assert.equal(reasonOf(id), "question");
      assert.equal(attentionOf(id).attention_detail, "Which database?");
      send(wireEvent(answer, { sessionID: id, requestID: `que_1_${id}`, answers: [["SQLite"]] }, 12));
      assert.equal(reasonOf(id), null, answer);
    }
  });

  test("a second prompt waits for the first and surfaces when it is answered", () => {
    const id = newSession();
    send(busy(id, 10), permissionAsked(id, `per_a_${id}`, 11), questionAsked(id, `que_b_${id}`, 12));
    assert.equal(attentionOf(id).attention_ref, `per_a_${id}`);
    send(permissionReplied(id, `per_a_${id}`, 13));
    assert.deepEqual(
      [reasonOf(id), attentionOf(id).attention_ref, attentionOf(id).attention_since],
      ["question", `que_b_${id}`, 12],
    );
    send(wireEvent("question.replied", { sessionID: id, requestID: `que_b_${id}` }, 14));
    assert.equal(reasonOf(id), null);
  });

  test("an idle after the prompt means it was answered: the turn is finished", () => {
    const id = newSession();
    send(busy(id, 10), permissionAsked(id, `per_1_${id}`, 11));
    send(idle(id, 12));
    assert.equal(reasonOf(id), "idle");
    assert.equal(attentionOf(id).attention_since, 12);
    assert.deepEqual(pendingOf(id), []);
  });

  test("an error does not hide a pending permission", () => {
    const id = newSession();
    send(busy(id, 10), permissionAsked(id, `per_1_${id}`, 11), error(id, 12));
    assert.equal(reasonOf(id), "permission");
    assert.equal(attentionOf(id).status, "error");
  });
});

describe("error and abort", () => {
  test("an error sets attention and the error status; the idle after it keeps both", () => {
    const id = newSession();
    send(busy(id, 10), error(id, 11), idle(id, 12));
    assert.deepEqual(attentionOf(id), {
      attention_reason: "error",
      attention_detail: "rate limited by provider",
      attention_since: 11,
      attention_ref: null,
      status: "error",
      error_message: "rate limited by provider",
    });
  });

  test("an abort (Esc) sets no attention, nor do the idles after it", () => {
    const id = newSession();
    send(busy(id, 10), abort(id, 11), idle(id, 12), twinIdle(id, 13));
    assert.deepEqual(attentionOf(id), {
      attention_reason: null,
      attention_detail: null,
      attention_since: null,
      attention_ref: null,
      status: "idle",
      error_message: null,
    });
  });

  test("an abort that arrives after the idle ending its turn takes the finished turn back", () => {
    const id = newSession();
    send(busy(id, 10), idle(id, 12));
    assert.equal(reasonOf(id), "idle");
    send(abort(id, 11));
    assert.equal(reasonOf(id), null);
  });

  test("an abort in an earlier turn does not silence the next one", () => {
    const id = newSession();
    send(busy(id, 10), abort(id, 11), idle(id, 12));
    send(busy(id, 20), idle(id, 21));
    assert.equal(reasonOf(id), "idle");
    assert.equal(attentionOf(id).attention_since, 21);
  });
});

describe("finished turn (idle after busy)", () => {
  test("on a root session, the first idle after a busy calls for the user", () => {
    const id = newSession();
    send(created(id, 1), busy(id, 10), idle(id, 11), twinIdle(id, 12));
    assert.deepEqual(attentionOf(id), {
      attention_reason: "idle",
      attention_detail: FINISHED_DETAIL,
      attention_since: 11,
      attention_ref: null,
      status: "idle",
      error_message: null,
    });
  });

  test("an idle without a busy before it is not a finished turn", () => {
    const id = newSession();
    send(created(id, 1), idle(id, 11), twinIdle(id, 12));
    assert.equal(reasonOf(id), null);
  });

  test("a subagent session never gets it, even when its parent is learned after the turn", () => {
    const parent = newSession();
    const child = newSession();
    send(created(parent, 1), created(child, 2, parent), busy(child, 10), idle(child, 11));
    assert.equal(reasonOf(child), null);

    const late = newSession();
    send(busy(late, 10), idle(late, 11));
    assert.equal(reasonOf(late), "idle");
    send(
      wireEvent(
        "session.updated",
        { info: { id: late, parentID: parent, title: "subtask", time: { created: 1, updated: 12 } } },
        12,
      ),
    );
    assert.equal(reasonOf(late), null);
  });
});

describe("what clears attention", () => {
  test("a busy clears a finished turn and an error", () => {
    const finished = newSession();
    send(busy(finished, 10), idle(finished, 11));
    send(busy(finished, 12));
    assert.equal(reasonOf(finished), null);

    const failed = newSession();
    send(busy(failed, 10), error(failed, 11));
    send(busy(failed, 12));
    assert.deepEqual(
      [reasonOf(failed), attentionOf(failed).status, attentionOf(failed).error_message],
      [null, "busy", null],
    );
  });

  test("a busy does not clear a prompt still waiting for its answer", () => {
    const id = newSession();
    send(busy(id, 10), permissionAsked(id, `per_1_${id}`, 11));
    send(busy(id, 12));
    assert.equal(reasonOf(id), "permission");
  });

  test("dismissing clears any reason; the twin idle or a late reply does not bring it back", async () => {
    const finished = newSession();
    send(busy(finished, 10), idle(finished, 11));
    await dismissAttention(finished);
    assert.equal(reasonOf(finished), null);
    send(twinIdle(finished, 12));
    assert.equal(reasonOf(finished), null);

    const asked = newSession();
    send(busy(asked, 10), permissionAsked(asked, `per_1_${asked}`, 11));
    await dismissAttention(asked);
    assert.equal(reasonOf(asked), null);
    send(permissionReplied(asked, `per_1_${asked}`, 12));
    assert.equal(reasonOf(asked), null);
    // The next turn calls for the user again.
    send(busy(asked, 13), idle(asked, 14));
    assert.equal(reasonOf(asked), "idle");
  });
});

describe("events out of order", () => {
  test("a busy that arrives after the idle ending its turn still makes a finished turn", () => {
    const id = newSession();
    send(idle(id, 11));
    assert.equal(reasonOf(id), null);
    send(busy(id, 10));
    assert.equal(reasonOf(id), "idle");
    assert.equal(attentionOf(id).attention_since, 11);
    assert.equal(attentionOf(id).status, "idle");
  });

  test("a busy older than the finished turn does not clear it", () => {
    const id = newSession();
    send(busy(id, 10), idle(id, 15));
    send(busy(id, 12));
    assert.equal(reasonOf(id), "idle");
    assert.equal(attentionOf(id).attention_since, 15);
  });

  test("twin idles newest first: the turn ended at the earlier one", () => {
    const id = newSession();
    send(busy(id, 10), idle(id, 16));
    send(twinIdle(id, 14));
    assert.equal(attentionOf(id).attention_since, 14);
  });

  test("an error from a turn a later busy replaced changes nothing", () => {
    const id = newSession();
    send(busy(id, 20));
    send(error(id, 15));
    assert.deepEqual([reasonOf(id), attentionOf(id).status], [null, "busy"]);
  });

  test("a reply that arrives before its prompt leaves nothing pending", () => {
    const id = newSession();
    send(busy(id, 10), permissionReplied(id, `per_1_${id}`, 12));
    send(permissionAsked(id, `per_1_${id}`, 11));
    assert.equal(reasonOf(id), null);
    assert.deepEqual(pendingOf(id), []);
  });

  test("a prompt asked before the latest idle was answered already", () => {
    const id = newSession();
    send(busy(id, 10), idle(id, 15));
    send(permissionAsked(id, `per_1_${id}`, 12));
    assert.equal(reasonOf(id), "idle");
    assert.deepEqual(pendingOf(id), []);
  });

  test("a reply after an idle older than its prompt gives the finished turn back", () => {
    const id = newSession();
    send(busy(id, 10), permissionAsked(id, `per_1_${id}`, 15));
    send(idle(id, 12));
    assert.equal(reasonOf(id), "permission", "the idle predates the prompt, so the prompt still waits");
    send(permissionReplied(id, `per_1_${id}`, 16));
    assert.equal(reasonOf(id), "idle");
    assert.equal(attentionOf(id).attention_since, 12);
  });

  test("the same events in one request or one per request end in the same attention", () => {
    const script = (id: string) => [
      busy(id, 10),
      permissionAsked(id, `per_1_${id}`, 11),
      idle(id, 13),
      permissionReplied(id, `per_1_${id}`, 12),
      busy(id, 20),
      error(id, 21),
      idle(id, 22),
      busy(id, 30),
      abort(id, 31),
      idle(id, 32),
      busy(id, 40),
      idle(id, 41),
    ];
    const together = newSession();
    const apart = newSession();
    send(...script(together));
    for (const e of script(apart)) send(e);
    assert.deepEqual(attentionOf(apart), attentionOf(together));
    assert.equal(reasonOf(together), "idle");
    assert.equal(attentionOf(together).attention_since, 41);
  });
});
