import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { take, workload } from "../../bench/workload";
import { envelopeSchema, parseEvent, propertySchemas } from "../../lib/ingest/protocol";
import { loadStream } from "../support/client";

/**
 * parseEvent runs its schemas compiled (z.compile) for speed. Compiling must change nothing a
 * sender or a rule can see: the same events accepted with the same parsed values (shortened
 * titles, stripped errors, defaults, loose keys kept), the same ones refused naming the same field.
 */

type Issue = { path: PropertyKey[]; message: string };

/** parseEvent as the schemas' own runtime parser answers. */
function runtimeParse(raw: unknown) {
  const refused = (issues: Issue[], prefix: string) => {
    const field = [prefix, ...issues[0].path.map(String)].filter(Boolean).join(".");
    return { ok: false, field, message: `${field}: ${issues[0].message}` };
  };
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return refused(envelope.error.issues, "");
  const type = envelope.data.type;
  if (!Object.hasOwn(propertySchemas, type)) return { ok: true, known: false, event: envelope.data };
  const properties = (propertySchemas as Record<string, z.ZodType>)[type].safeParse(envelope.data.properties);
  if (!properties.success) return refused(properties.error.issues, "properties");
  return { ok: true, known: true, event: { ...envelope.data, properties: properties.data } };
}

/**
 * parseEvent without its count of clamped times, which the runtime parser does not keep. Called
 * first: it sets the clock both parsers clamp against.
 */
function compiledParse(raw: unknown) {
  const result: Record<string, unknown> = { ...parseEvent(raw) };
  delete result.clampedTimes;
  return result;
}

const ids = { sessionID: "ses_1", messageID: "msg_1" };
const part = (fields: Record<string, unknown>) => ({ part: { id: "prt_1", ...ids, ...fields } });
/** One event of each type OpenCode sends, with the optional fields the fixtures lack. */
const samples: Record<string, Record<string, unknown>> = {
  "session.updated": {
    info: {
      id: "ses_1",
      parentID: "ses_0",
      title: "t",
      model: { id: "m", providerID: "p" },
      summary: { additions: 1, deletions: 2, files: 3 },
      time: { created: 1, updated: 2 },
    },
  },
  "session.status": { sessionID: "ses_1", status: { type: "retry", attempt: 2, message: "m", next: 5 } },
  "session.error": { sessionID: "ses_1", error: { name: "APIError", data: { message: "m", responseBody: "b" } } },
  "message.updated": {
    info: {
      id: "msg_1",
      sessionID: "ses_1",
      role: "assistant",
      model: { providerID: "p", modelID: "m" },
      cost: 0.5,
      tokens: { input: 1, output: 2, reasoning: 3, cache: { read: 4, write: 5 } },
      error: { name: "E", data: { message: "m", statusCode: 400 } },
      time: { created: 1, completed: 2 },
    },
  },
  "message.part.updated": part({
    type: "tool",
    tool: "bash",
    callID: "c",
    state: { status: "completed", title: "t", input: { a: 1 }, output: "o", metadata: {}, time: { start: 1, end: 2 } },
  }),
  "message.part.delta": {
    sessionID: "ses_1",
    partID: "prt_1",
    messageID: "msg_1",
    text: "hi",
    partType: "text",
    start: 1,
  },
  "message.removed": { sessionID: "ses_1", messageID: "msg_1" },
  "message.part.removed": { sessionID: "ses_1", partID: "prt_1" },
  "permission.asked": {
    id: "per_1",
    sessionID: "ses_1",
    permission: "bash",
    patterns: ["ls"],
    metadata: { command: "ls", nested: { a: [1] } },
    always: ["ls *"],
    tool: { messageID: "msg_1", callID: "c" },
  },
  "question.asked": {
    id: "que_1",
    sessionID: "ses_1",
    questions: [{ question: "q", header: "h", options: [{ label: "a", description: "d" }] }],
  },
  "question.replied": { sessionID: "ses_1", requestID: "que_1", answers: [["a"]] },
  "todo.updated": { sessionID: "ses_1", todos: [{ content: "c", status: "pending", priority: "high", id: "1" }] },
  "command.executed": { sessionID: "ses_1", name: "init", arguments: "", messageID: "msg_1" },
  "dashboard.heartbeat": { opencodeVersion: "1", pluginVersion: null, busySessions: 1, control: "answer" },
};

const corpus: unknown[] = [
  ...take(workload(20, 3), 200),
  ...["run-bash-permission-rejected.jsonl", "serve-bash-permission-pending.jsonl", "serve-provider-error-400.jsonl"]
    .flatMap((name) => loadStream(name))
    .filter((e) => !e.type.startsWith("plugin.")),
  ...Object.entries(samples).map(([type, properties]) => ({ id: "evt_1", type, hostname: "h", time: 1, properties })),
  ...["text", "reasoning", "subtask", "file", "patch", "retry", "compaction", "step-finish"].map((type) => ({
    id: "evt_1",
    type: "message.part.updated",
    hostname: "h",
    time: 1,
    properties: part({
      type,
      text: "x",
      prompt: "p",
      description: "d",
      url: "u",
      files: ["a"],
      attempt: 1,
      auto: true,
    }),
  })),
];

/** Values that break one bound or another: bad ids, negative and huge numbers, long text, wrong types. */
const replacements = [undefined, null, -1, 1e300, "", ".", "a/b", "x".repeat(5000), {}, [], true, { name: 1 }];

/** The event with the value at `path` replaced, one copy per replacement. */
function* mutations(value: unknown, path: PropertyKey[] = []): Generator<PropertyKey[]> {
  if (path.length) yield path;
  if (value && typeof value === "object")
    for (const [key, child] of Object.entries(value))
      yield* mutations(child, [...path, Array.isArray(value) ? +key : key]);
}

function replaced(event: unknown, path: PropertyKey[], replacement: unknown) {
  const copy = structuredClone(event) as Record<PropertyKey, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<PropertyKey, unknown>;
  at[path[path.length - 1]] = replacement;
  return copy;
}

test("every protocol schema compiles (none falls back to the slower runtime parser)", () => {
  z.compile(envelopeSchema, { strict: true });
  for (const [type, schema] of Object.entries(propertySchemas))
    assert.doesNotThrow(() => z.compile(schema, { strict: true }), type);
});

test("compiled and runtime parsers accept and refuse alike, with the same values and messages", () => {
  let refusals = 0;
  for (const event of corpus) {
    assert.deepEqual(compiledParse(event), runtimeParse(event));
    for (const path of mutations(event))
      for (const replacement of replacements) {
        const mutated = replaced(event, path, replacement);
        const result = compiledParse(mutated);
        if (!result.ok) refusals++;
        assert.deepEqual(
          result,
          runtimeParse(mutated),
          `${path.join(".")} = ${JSON.stringify(replacement)?.slice(0, 40)}`,
        );
      }
  }
  assert.ok(refusals > 1000, `only ${refusals} refusals: the mutations no longer reach the bounds`);
});
