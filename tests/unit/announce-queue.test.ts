import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createAnnouncementQueue, type Announcement, type KnownSession, type Reasons } from "../../lib/announce/queue";
import { composeSentence } from "../../lib/announce/sentence";
import type { AttentionMessage } from "../../lib/realtime/messages";

/** A fake clock: timers fire only when the test advances time. */
function fakeClock() {
  let t = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    setTimer: (fn: () => void, ms: number) => {
      const id = next++;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimer: (id: unknown) => void (timers = timers.filter((x) => x.id !== id)),
    advance(ms: number) {
      t += ms;
      for (const due of timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)) {
        timers = timers.filter((x) => x !== due);
        due.fn();
      }
    },
  };
}

function setup(opts: { sessions?: KnownSession[]; reasons?: Partial<Reasons>; looking?: string[] } = {}) {
  const clock = fakeClock();
  const sessions = new Map((opts.sessions ?? defaultSessions).map((s) => [s.id, s]));
  const reasons: Reasons = { permission: true, question: true, idle: true, error: true, ...opts.reasons };
  const looking = new Set(opts.looking ?? []);
  const said: Announcement[] = [];
  const queue = createAnnouncementQueue({
    lookup: (id) => sessions.get(id),
    reasons: () => reasons,
    isLookingAt: (id) => looking.has(id),
    announce: (a) => said.push(a),
    windowMs: 1_500,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
  });
  return { queue, clock, said, sessions, reasons, looking };
}

const defaultSessions: KnownSession[] = [
  { id: "ses_a", title: "fix login bug", hostname: "vps-2", parentId: null },
  { id: "ses_b", title: "refactor api", hostname: "vps-1", parentId: null },
  { id: "ses_c", title: "write docs", hostname: "web-1", parentId: null },
  { id: "ses_d", title: "migrate db", hostname: "vps-2", parentId: null },
  { id: "ses_sub", title: "explore codebase (@explore subagent)", hostname: "vps-2", parentId: "ses_a" },
];

const att = (
  sessionId: string,
  reason: AttentionMessage["reason"],
  since: number | null = 1000,
  detail: string | null = null,
): AttentionMessage => ({
  sessionId,
  reason,
  detail,
  since,
  previous: null,
});

describe("announcement queue", () => {
  test("one attention is one sentence naming host, title and reason, after the coalescing window", () => {
    const { queue, clock, said } = setup();
    queue.attention(att("ses_a", "permission", 1000, "bash: rm -rf build"));
    clock.advance(1_499);
    assert.equal(said.length, 0, "nothing before the window closes");
    clock.advance(1);
    assert.equal(said.length, 1);
    assert.equal(said[0].text, "vps-2, fix login bug: needs permission to run bash");
  });

  test("the four reasons have their own words", () => {
    const { queue, clock, said } = setup();
    for (const [id, reason, detail] of [
      ["ses_a", "question", "Which database should I use?"],
      ["ses_b", "idle", "Finished — waiting for your next prompt"],
      ["ses_c", "error", "APIError: overloaded"],
      ["ses_d", "permission", "edit: src/app.ts"],
    ] as const) {
      queue.attention(att(id, reason, 1000, detail));
      clock.advance(2_000);
    }
    assert.deepEqual(
      said.map((a) => a.text),
      [
        "vps-2, fix login bug: has a question: Which database should I use?",
        "vps-1, refactor api: finished and is waiting for you",
        "web-1, write docs: stopped with an error",
        "vps-2, migrate db: needs permission for edit",
      ],
    );
  });

  test("several at once become one combined sentence", () => {
    const { queue, clock, said } = setup();
    queue.attention(att("ses_a", "permission", 1000, "bash: ls"));
    clock.advance(500);
    queue.attention(att("ses_b", "idle"));
    clock.advance(500);
    queue.attention(att("ses_c", "question", 1000, "Proceed?"));
    clock.advance(500);
    assert.equal(said.length, 1);
    assert.equal(said[0].items.length, 3);
    assert.equal(
      said[0].text,
      "3 sessions need you. vps-2, fix login bug: needs permission to run bash; vps-1, refactor api: finished and is waiting for you; web-1, write docs: has a question.",
    );
  });

  test("many at once are counted by reason and host", () => {
    const { queue, clock, said } = setup();
    queue.attention(att("ses_a", "permission"));
    queue.attention(att("ses_b", "permission"));
    queue.attention(att("ses_c", "idle"));
    queue.attention(att("ses_d", "question"));
    clock.advance(1_500);
    assert.equal(
      said[0].text,
      "4 sessions need you: 2 need permission, 1 has a question and 1 finished, on vps-2, vps-1 and web-1.",
    );
  });

  test("the same attention (session, reason, since) is never said twice", () => {
    const { queue, clock, said } = setup();
    queue.attention(att("ses_a", "idle", 1000));
    queue.attention(att("ses_a", "idle", 1000));
    clock.advance(1_500);
    queue.attention(att("ses_a", "idle", 1000)); // a reconnect replays it
    clock.advance(5_000);
    assert.equal(said.length, 1);
    assert.equal(said[0].items.length, 1);
    queue.attention(att("ses_a", "idle", 9000)); // the next finished turn is new
    clock.advance(1_500);
    assert.equal(said.length, 2);
  });

  test("attention already there when the page loaded is not said", () => {
    const { queue, clock, said } = setup();
    queue.prime([
      { id: "ses_a", attention: { reason: "question", since: 500 } },
      { id: "ses_b", attention: null },
    ]);
    queue.attention(att("ses_a", "question", 500));
    clock.advance(2_000);
    assert.equal(said.length, 0);
  });

  test("subagents stay silent, also when their parent is only learned after the attention", () => {
    const { queue, clock, said, sessions } = setup();
    queue.attention(att("ses_sub", "permission", 1000, "bash: ls"));
    queue.attention(att("ses_new", "permission", 1000, "bash: ls"));
    sessions.set("ses_new", { id: "ses_new", title: "child", hostname: "vps-2", parentId: "ses_a" });
    clock.advance(2_000);
    assert.equal(said.length, 0);
  });

  test("a session not known yet is still said, as 'a session'", () => {
    const { queue, clock, said } = setup();
    queue.attention(att("ses_unknown", "error"));
    clock.advance(1_500);
    assert.equal(said[0].text, "A session: stopped with an error");
  });

  test("nothing is said for the session the user is looking at", () => {
    const { queue, clock, said, looking } = setup({ looking: ["ses_a"] });
    queue.attention(att("ses_a", "permission"));
    queue.attention(att("ses_b", "question"));
    looking.add("ses_b"); // opened during the window
    clock.advance(1_500);
    assert.equal(said.length, 0);
    looking.clear();
    queue.attention(att("ses_a", "permission")); // seen already: it stays unsaid
    clock.advance(1_500);
    assert.equal(said.length, 0);
  });

  test("reasons switched off are not said", () => {
    const { queue, clock, said, reasons } = setup({ reasons: { idle: false } });
    queue.attention(att("ses_a", "idle"));
    queue.attention(att("ses_b", "error"));
    clock.advance(1_500);
    assert.deepEqual(
      said.map((a) => a.text),
      ["vps-1, refactor api: stopped with an error"],
    );
    reasons.error = false;
    queue.attention(att("ses_c", "error", 2000));
    clock.advance(1_500);
    assert.equal(said.length, 1);
  });

  test("attention that ends (or changes) within the window is dropped or replaced", () => {
    const { queue, clock, said } = setup();
    queue.attention(att("ses_a", "permission"));
    queue.attention(att("ses_a", null, null));
    queue.attention(att("ses_b", "idle", 1000));
    queue.attention(att("ses_b", "question", 1200, "Which one?"));
    clock.advance(1_500);
    assert.deepEqual(
      said.map((a) => a.text),
      ["vps-1, refactor api: has a question: Which one?"],
    );
  });

  test("long titles and details are clipped; the sentence fits the server's 300 characters", () => {
    const long = "x".repeat(400);
    const text = composeSentence([{ session: { hostname: "h", title: long }, reason: "question", detail: long }]);
    assert.ok(text.length <= 300, String(text.length));
    assert.match(text, /^h, x{59}…: has a question: x{119}…$/);
    const many = composeSentence(
      Array.from({ length: 40 }, (_, i) => ({
        session: { hostname: `host-${i}`, title: long },
        reason: "idle" as const,
        detail: null,
      })),
    );
    assert.equal(many, "40 sessions need you: 40 finished, on 40 machines.");
  });

  test("dispose cancels what is pending", () => {
    const { queue, clock, said } = setup();
    queue.attention(att("ses_a", "idle"));
    assert.equal(queue.pending(), 1);
    queue.dispose();
    clock.advance(5_000);
    assert.equal(said.length, 0);
  });
});
