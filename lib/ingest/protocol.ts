import { z } from "zod";
import { sessionIdSchema } from "../sessions/id";
import { redactSecrets } from "./redact-secrets";

/**
 * The /events wire protocol. The plugin stays thin: it forwards OpenCode's own `id`, `type` and
 * `properties` unchanged, plus where and when it saw the event. Property schemas are loose
 * (OpenCode adds fields between releases) and require only what the projection reads.
 */

export const MAX_BATCH_EVENTS = 500;
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Bounds on what OpenCode can really send. Numbers past them are refused (a 400 naming the
 * field): they would overflow the sums, or show a board that lies. Displayed text past its bound
 * is shortened, not refused: a long title is still the user's title, only the board cannot lay
 * out 900 KB of it.
 */
/** Per token kind per message: no model's context or output comes near a billion tokens. */
export const MAX_MESSAGE_TOKENS = 1e9;
/** Per message, in USD. */
export const MAX_MESSAGE_COST_USD = 1e4;
/** Any other count (diff lines, files, retries, spool bytes): far past real, still exact in a double. */
const MAX_COUNT = 1e12;
/** Names: model, provider, agent, tool, permission, command, version; longer ones are no name. */
const MAX_NAME_LENGTH = 200;
/** A hostname: DNS's limit. */
const MAX_HOSTNAME_LENGTH = 255;
/** A directory: Linux's PATH_MAX. */
const MAX_DIRECTORY_LENGTH = 4096;
/** Titles shown in a row or heading: session, tool call, question header, file name. */
export const MAX_TITLE_LENGTH = 500;
/** One todo item. */
const MAX_TODO_LENGTH = 2000;
/** A retry's or an error's message, shown on the board. */
const MAX_MESSAGE_LENGTH = 2000;
/**
 * How far ahead of the server's clock a time may be. The plugin stamps events (and OpenCode its
 * messages and parts) with its machine's clock: one set years ahead would keep a session busy, a
 * host online or a timeline entry last for good, and a time past what a Date holds cannot be shown.
 */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;
/** The latest time a JavaScript Date holds (year 275760): past it a time cannot be shown at all. */
const MAX_DATE_MS = 8.64e15;

/** The clock times are checked against while one event is parsed, and how many were clamped. */
const clock = { now: 0, clamped: 0 };

/** OpenCode's ids (session, message, part, request): its own shape, as the routes accept it. */
const id = sessionIdSchema;
/** The event's own id: the plugin makes some (heartbeats), so only its length is bounded. */
const eventId = z.string().min(1).max(MAX_NAME_LENGTH);
const count = z.number().finite().nonnegative().max(MAX_COUNT);
const tokenCount = z.number().finite().nonnegative().max(MAX_MESSAGE_TOKENS);
/**
 * A time in milliseconds. One far ahead of the server's clock is taken as now (and counted);
 * fractions of a millisecond are dropped.
 */
const time = z
  .number()
  .finite()
  .nonnegative()
  .transform((t) => {
    if (t <= clock.now + MAX_CLOCK_AHEAD_MS) return Math.round(t);
    clock.clamped++;
    return clock.now;
  });
/** A time OpenCode expects to come (a retry's next attempt): not clamped, but a Date must hold it. */
const futureTime = z.number().finite().nonnegative().max(MAX_DATE_MS);
const name = z.string().max(MAX_NAME_LENGTH);
/** Text kept to `max` characters, its cut marked with an ellipsis. */
const shortened = (max: number) => z.string().transform((s) => (s.length > max ? `${s.slice(0, max - 1)}…` : s));

/** Any JSON object, its values unread (cheaper than z.record, which visits every key). */
const plainObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  { error: "expected an object" },
);

export const envelopeSchema = z.object({
  id: eventId,
  type: z.string().min(1).max(MAX_NAME_LENGTH),
  hostname: z.string().min(1).max(MAX_HOSTNAME_LENGTH),
  directory: z.string().max(MAX_DIRECTORY_LENGTH).default(""),
  time,
  // Checked, not copied: a known type's own schema parses them next; others are not read.
  properties: plainObject.default({}),
});

const tokensSchema = z.looseObject({
  input: tokenCount.default(0),
  output: tokenCount.default(0),
  reasoning: tokenCount.default(0),
  cache: z.looseObject({ read: tokenCount.default(0), write: tokenCount.default(0) }).default({ read: 0, write: 0 }),
});

const costSchema = z.number().finite().nonnegative().max(MAX_MESSAGE_COST_USD);

/** Text of a provider or tool error: its URLs' queries, credentials and keys go (./redact-secrets.ts). */
const errorText = z.string().transform(redactSecrets);
/** The same, cut to `max` characters after the secrets went (a cut could leave half a key behind). */
const shortErrorText = (max: number) => errorText.pipe(shortened(max));

/**
 * An error as OpenCode reports it, kept to its name and message. OpenCode's APIError also carries
 * the provider's response headers and body and the request URL (`data.metadata`), which can hold
 * keys and account data: z.object drops every other key here, before any rule sees the event.
 */
const errorSchema = z.object({
  name: shortened(MAX_NAME_LENGTH).optional(),
  data: z.object({ message: errorText.optional() }).optional(),
});

const sessionInfo = z.looseObject({
  id,
  directory: z.string().max(MAX_DIRECTORY_LENGTH).optional(),
  parentID: id.optional(),
  projectID: name.optional(),
  slug: name.optional(),
  title: shortened(MAX_TITLE_LENGTH).optional(),
  version: name.optional(),
  agent: name.optional(),
  model: z.looseObject({ id: name, providerID: name }).optional(),
  summary: z.looseObject({ additions: count, deletions: count, files: count }).optional(),
  time: z.looseObject({ created: time, updated: time.optional() }),
});

const messageInfo = z.looseObject({
  id,
  sessionID: id,
  role: z.enum(["user", "assistant"]),
  parentID: id.optional(),
  providerID: name.optional(),
  modelID: name.optional(),
  model: z.looseObject({ providerID: name, modelID: name }).optional(),
  agent: name.optional(),
  mode: name.optional(),
  cost: costSchema.optional(),
  tokens: tokensSchema.optional(),
  finish: name.optional(),
  error: errorSchema.optional(),
  time: z.looseObject({ created: time, completed: time.optional() }),
});

const spanSchema = z.looseObject({ start: time.optional(), end: time.optional() });

/**
 * A message part: the fields the timeline reads are typed here, so that a wrong one is a 400
 * naming it rather than a failure inside the store. Which fields a part has depends on its type.
 */
const partSchema = z.looseObject({
  id,
  sessionID: id,
  messageID: id,
  type: z.string().min(1).max(MAX_NAME_LENGTH),
  // A retry part's APIError; a part whose `error` is not one is still stored, without it.
  error: errorSchema.optional().catch(undefined),
  time: spanSchema.optional(),
  // text and reasoning
  text: z.string().optional(),
  synthetic: z.boolean().optional(),
  // tool
  tool: name.optional(),
  callID: name.optional(),
  state: z
    .looseObject({
      status: name.optional(),
      title: shortened(MAX_TITLE_LENGTH).optional(),
      input: plainObject.optional(),
      output: z.string().optional(),
      error: errorText.optional(),
      time: spanSchema.optional(),
    })
    .optional(),
  // subtask
  description: shortened(MAX_TITLE_LENGTH).optional(),
  prompt: z.string().optional(),
  agent: name.optional(),
  // file
  filename: shortened(MAX_TITLE_LENGTH).optional(),
  url: z.string().optional(),
  mime: name.optional(),
  // patch, retry, compaction
  hash: name.optional(),
  files: z.array(z.string()).optional(),
  attempt: count.optional(),
  auto: z.boolean().optional(),
  // step-finish: not stored (the message carries the same totals), but held to the same bounds
  tokens: tokensSchema.optional(),
  cost: costSchema.optional(),
});

export type WirePart = z.infer<typeof partSchema>;

export const propertySchemas = {
  "session.created": z.looseObject({ info: sessionInfo }),
  "session.updated": z.looseObject({ info: sessionInfo }),
  "session.deleted": z.looseObject({ info: sessionInfo }),
  "session.status": z.looseObject({
    sessionID: id,
    status: z.looseObject({
      type: z.enum(["busy", "idle", "retry"]),
      attempt: count.optional(),
      // The provider error that is being retried.
      message: shortErrorText(MAX_MESSAGE_LENGTH).optional(),
      next: futureTime.optional(),
    }),
  }),
  "session.idle": z.looseObject({ sessionID: id }),
  "session.error": z.looseObject({ sessionID: id.optional(), error: errorSchema.optional() }),
  "session.diff": z.looseObject({
    sessionID: id,
    diff: z.array(
      z.looseObject({
        file: z.string().max(MAX_DIRECTORY_LENGTH),
        additions: count.default(0),
        deletions: count.default(0),
      }),
    ),
  }),
  "session.compacted": z.looseObject({ sessionID: id }),
  "message.updated": z.looseObject({ info: messageInfo }),
  "message.removed": z.looseObject({ sessionID: id, messageID: id }),
  "message.part.updated": z.looseObject({ part: partSchema, time: time.optional() }),
  "message.part.removed": z.looseObject({ sessionID: id, partID: id }),
  "message.part.delta": z.looseObject({
    sessionID: id,
    // From the plugin (plugin/opencode-dashboard.ts, TextStreams): a streaming part's text so far,
    // instead of OpenCode's chunk. Older plugins send neither: the event is only a typing marker.
    partID: id.optional().catch(undefined),
    messageID: id.optional().catch(undefined),
    text: z.string().optional().catch(undefined),
    partType: z.enum(["text", "reasoning"]).optional().catch(undefined),
    start: time.optional().catch(undefined),
  }),
  "permission.asked": z.looseObject({
    id,
    sessionID: id,
    permission: name,
    patterns: z.array(z.string()).default([]),
    metadata: z.record(z.string(), z.unknown()).optional(),
    always: z.array(z.string()).optional(),
    tool: z.looseObject({ messageID: id, callID: name }).optional(),
  }),
  "permission.replied": z.looseObject({ sessionID: id, requestID: id, reply: name }),
  "question.asked": z.looseObject({
    id,
    sessionID: id,
    questions: z.array(
      z.looseObject({
        question: z.string(),
        header: shortened(MAX_TITLE_LENGTH).optional(),
        options: z.array(z.looseObject({ label: z.string() })).optional(),
      }),
    ),
  }),
  "question.replied": z.looseObject({ sessionID: id, requestID: id, answers: z.unknown().optional() }),
  "question.rejected": z.looseObject({ sessionID: id, requestID: id }),
  "todo.updated": z.looseObject({
    sessionID: id,
    // z.object: the list is stored as sent, so a field nobody shows (of any size) is not kept.
    todos: z.array(
      z.object({ id: name.optional(), content: shortened(MAX_TODO_LENGTH), status: name, priority: name.optional() }),
    ),
  }),
  "command.executed": z.looseObject({
    sessionID: id,
    name,
    arguments: z.string().optional(),
    messageID: id.optional(),
  }),
  "dashboard.heartbeat": z.looseObject({
    opencodeVersion: name.nullish(),
    pluginVersion: name.nullish(),
    busySessions: count.nullish(),
    spoolBytes: count.nullish(),
    droppedEvents: count.nullish(),
    /** The machine's control level (docs/control.md); plugins before it say nothing. */
    control: z.enum(["off", "answer", "full"]).nullish(),
  }),
} as const;

type HandledType = keyof typeof propertySchemas;
type Envelope = z.infer<typeof envelopeSchema>;

/** A validated event whose type the projection applies, with its properties parsed. */
export type KnownEvent = {
  [K in HandledType]: Omit<Envelope, "type" | "properties"> & {
    type: K;
    properties: z.infer<(typeof propertySchemas)[K]>;
  };
}[HandledType];

/** `clampedTimes`: how many of the event's times were far ahead of the server's clock and taken as now. */
export type ParsedEvent =
  | { ok: true; known: true; event: KnownEvent; clampedTimes: number }
  | { ok: true; known: false; event: Envelope; clampedTimes: number }
  | { ok: false; field: string; message: string };

function describe(error: z.ZodError, prefix: string) {
  const issue = error.issues[0];
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  return { field, message: `${field}: ${issue.message}` };
}

/**
 * Every event crosses these schemas, so they run compiled: z.compile turns a schema into one
 * generated function, where zod's runtime visits it node by node with an allocation per field (the
 * bounds, OpenCode-shaped ids and typed part fields made that walk twice as slow). A value the
 * compiled function refuses is parsed again by the schema itself, so a refusal names the same
 * field with the same message; a schema it cannot model keeps the runtime parser, correct but
 * slower. tests/unit/protocol-compiled.test.ts holds both to this: every schema compiles, and
 * compiled and runtime parsers answer alike.
 */
const compiledEnvelope = z.compile(envelopeSchema);
/** A Map, not an object: a type named `constructor` or `__proto__` must find no schema. */
const compiledProperties = new Map<string, z.ZodType>(
  Object.entries(propertySchemas).map(([type, schema]) => [type, z.compile(schema)]),
);

export function parseEvent(raw: unknown, now = Date.now()): ParsedEvent {
  clock.now = now;
  clock.clamped = 0;
  const envelope = compiledEnvelope.safeParse(raw);
  if (!envelope.success) return { ok: false, ...describe(envelope.error, "") };
  const schema = compiledProperties.get(envelope.data.type);
  if (!schema) return { ok: true, known: false, event: envelope.data, clampedTimes: clock.clamped };
  const properties = schema.safeParse(envelope.data.properties);
  if (!properties.success) return { ok: false, ...describe(properties.error, "properties") };
  return {
    ok: true,
    known: true,
    event: { ...envelope.data, properties: properties.data } as KnownEvent,
    clampedTimes: clock.clamped,
  };
}

/** The body is one event or `{ events: [...] }`; anything else is named in the error. */
export function splitBody(body: unknown): { events: unknown[]; single: boolean } | { error: string } {
  if (Array.isArray(body)) return { error: "body: expected an event object or { events: [...] }, got an array" };
  if (typeof body !== "object" || body === null) return { error: "body: expected a JSON object" };
  if ("events" in body) {
    const events = (body as { events: unknown }).events;
    if (!Array.isArray(events)) return { error: "events: expected an array" };
    return { events, single: false };
  }
  return { events: [body], single: true };
}
