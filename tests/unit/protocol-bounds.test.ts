import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_MESSAGE_COST_USD, MAX_MESSAGE_TOKENS, MAX_TITLE_LENGTH, parseEvent } from "../../lib/ingest/protocol";

/** What OpenCode can really send is bounded at the edge (issue 15): a wrong value is named, not stored. */

const envelope = (type: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseEvent({ id: "evt_1", type, hostname: "h", directory: "/w", time: 1, properties, ...extra });

function rejected(result: ReturnType<typeof parseEvent>) {
  assert.ok(!result.ok, `expected a rejection, got ${JSON.stringify(result).slice(0, 300)}`);
  return result.field;
}

function accepted(result: ReturnType<typeof parseEvent>) {
  assert.ok(result.ok && result.known, JSON.stringify(result).slice(0, 300));
  return result.event.properties as Record<string, unknown>;
}

const message = (info: Record<string, unknown>) =>
  envelope("message.updated", {
    info: { id: "msg_1", sessionID: "ses_1", role: "assistant", time: { created: 1 }, ...info },
  });

test("a message's tokens and cost past what OpenCode can produce are refused, naming the field", () => {
  assert.equal(rejected(message({ tokens: { input: 5e18 } })), "properties.info.tokens.input");
  assert.equal(
    rejected(message({ tokens: { cache: { read: MAX_MESSAGE_TOKENS + 1 } } })),
    "properties.info.tokens.cache.read",
  );
  assert.equal(rejected(message({ cost: 1e308 })), "properties.info.cost");
  assert.equal(rejected(message({ cost: -1 })), "properties.info.cost");
  accepted(message({ tokens: { input: MAX_MESSAGE_TOKENS }, cost: MAX_MESSAGE_COST_USD }));
});

test("other counts are bounded too", () => {
  const diff = envelope("session.diff", { sessionID: "ses_1", diff: [{ file: "a", additions: 1e300, deletions: 0 }] });
  assert.equal(rejected(diff), "properties.diff.0.additions");
});

test("displayed text is shortened at the edge; names and directories past their bound are refused", () => {
  const huge = "x".repeat(900_000);
  const session = accepted(
    envelope("session.updated", { info: { id: "ses_1", title: huge, time: { created: 1 } } }),
  ) as { info: { title: string } };
  assert.equal(session.info.title.length, MAX_TITLE_LENGTH);
  assert.ok(session.info.title.endsWith("…"));

  const tool = accepted(
    envelope("message.part.updated", {
      part: { id: "prt_1", sessionID: "ses_1", messageID: "msg_1", type: "tool", tool: "bash", state: { title: huge } },
    }),
  ) as { part: { state: { title: string } } };
  assert.equal(tool.part.state.title.length, MAX_TITLE_LENGTH);

  const todos = accepted(
    envelope("todo.updated", { sessionID: "ses_1", todos: [{ content: huge, status: "pending" }] }),
  ) as { todos: { content: string }[] };
  assert.ok(todos.todos[0].content.length < 10_000);

  assert.equal(rejected(message({ modelID: huge })), "properties.info.modelID");
  assert.equal(rejected(message({ agent: huge })), "properties.info.agent");
  assert.equal(
    rejected(envelope("session.updated", { info: { id: "ses_1", directory: huge, time: { created: 1 } } })),
    "properties.info.directory",
  );
  assert.equal(rejected(envelope("session.idle", { sessionID: "ses_1" }, { hostname: huge })), "hostname");
  assert.equal(rejected(envelope("session.idle", { sessionID: "ses_1" }, { directory: huge })), "directory");
});

test("ids not in OpenCode's shape (`.`, `..`, slashes, spaces) are refused, for sessions, messages and parts", () => {
  for (const bad of [".", "..", "a/b", "ses 1", ""]) {
    assert.equal(rejected(envelope("session.idle", { sessionID: bad })), "properties.sessionID", bad);
    assert.equal(
      rejected(envelope("session.created", { info: { id: bad, time: { created: 1 } } })),
      "properties.info.id",
    );
    assert.equal(rejected(message({ id: bad })), "properties.info.id");
    assert.equal(
      rejected(
        envelope("message.part.updated", { part: { id: bad, sessionID: "ses_1", messageID: "msg_1", type: "text" } }),
      ),
      "properties.part.id",
    );
    assert.equal(rejected(envelope("message.removed", { sessionID: "ses_1", messageID: bad })), "properties.messageID");
  }
});

test("a tool part's fields are typed: an object title, a string input or a number output is named", () => {
  const tool = (state: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    envelope("message.part.updated", {
      part: { id: "prt_1", sessionID: "ses_1", messageID: "msg_1", type: "tool", tool: "bash", state, ...extra },
    });
  assert.equal(rejected(tool({ status: "completed", title: { a: 1 } })), "properties.part.state.title");
  assert.equal(rejected(tool({ status: "completed", input: "ls" })), "properties.part.state.input");
  assert.equal(rejected(tool({ status: "completed", output: 42 })), "properties.part.state.output");
  assert.equal(rejected(tool({ status: 3 })), "properties.part.state.status");
  assert.equal(rejected(tool({ status: "running" }, { tool: { name: "bash" } })), "properties.part.tool");
  accepted(
    tool({ status: "completed", title: "List", input: { command: "ls" }, output: "a\nb", time: { start: 1, end: 2 } }),
  );
});
