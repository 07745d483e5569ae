import { z } from "zod";

/**
 * The /events wire protocol. The plugin stays thin: it forwards OpenCode's own `id`, `type` and
 * `properties` unchanged, plus where and when it saw the event. Property schemas are loose
 * (OpenCode adds fields between releases) and require only what the projection reads.
 */

export const MAX_BATCH_EVENTS = 500;
export const MAX_BODY_BYTES = 1024 * 1024;

const id = z.string().min(1).max(200);
const count = z.number().finite().nonnegative();
const time = z.number().finite().nonnegative();

export const envelopeSchema = z.object({
  id,
  type: z.string().min(1).max(200),
  hostname: z.string().min(1).max(255),
  directory: z.string().max(4096).default(""),
  time,
  // Checked, not copied: a known type's own schema parses them next; others are not read.
  properties: z
    .custom<Record<string, unknown>>((value) => typeof value === "object" && value !== null && !Array.isArray(value), {
      error: "expected an object",
    })
    .default({}),
});

const tokensSchema = z.looseObject({
  input: count.default(0),
  output: count.default(0),
  reasoning: count.default(0),
  cache: z.looseObject({ read: count.default(0), write: count.default(0) }).default({ read: 0, write: 0 }),
});

/**
 * An error as OpenCode reports it, kept to its name and message. OpenCode's APIError also carries
 * the provider's response headers and body and the request URL (`data.metadata`), which can hold
 * keys and account data: z.object drops every other key here, before any rule sees the event.
 */
const errorSchema = z.object({
  name: z.string().optional(),
  data: z.object({ message: z.string().optional() }).optional(),
});

const sessionInfo = z.looseObject({
  id,
  directory: z.string().optional(),
  parentID: id.optional(),
  projectID: z.string().optional(),
  slug: z.string().optional(),
  title: z.string().optional(),
  version: z.string().optional(),
  agent: z.string().optional(),
  model: z.looseObject({ id: z.string(), providerID: z.string() }).optional(),
  summary: z.looseObject({ additions: count, deletions: count, files: count }).optional(),
  time: z.looseObject({ created: time, updated: time.optional() }),
});

const messageInfo = z.looseObject({
  id,
  sessionID: id,
  role: z.enum(["user", "assistant"]),
  parentID: id.optional(),
  providerID: z.string().optional(),
  modelID: z.string().optional(),
  model: z.looseObject({ providerID: z.string(), modelID: z.string() }).optional(),
  agent: z.string().optional(),
  mode: z.string().optional(),
  cost: z.number().finite().optional(),
  tokens: tokensSchema.optional(),
  finish: z.string().optional(),
  error: errorSchema.optional(),
  time: z.looseObject({ created: time, completed: time.optional() }),
});

const partSchema = z.looseObject({
  id,
  sessionID: id,
  messageID: id,
  type: z.string().min(1),
  // A retry part's APIError; a part whose `error` is not one is still stored, without it.
  error: errorSchema.optional().catch(undefined),
});

const propertySchemas = {
  "session.created": z.looseObject({ info: sessionInfo }),
  "session.updated": z.looseObject({ info: sessionInfo }),
  "session.deleted": z.looseObject({ info: sessionInfo }),
  "session.status": z.looseObject({
    sessionID: id,
    status: z.looseObject({
      type: z.enum(["busy", "idle", "retry"]),
      attempt: count.optional(),
      message: z.string().optional(),
      next: time.optional(),
    }),
  }),
  "session.idle": z.looseObject({ sessionID: id }),
  "session.error": z.looseObject({ sessionID: id.optional(), error: errorSchema.optional() }),
  "session.diff": z.looseObject({
    sessionID: id,
    diff: z.array(z.looseObject({ file: z.string(), additions: count.default(0), deletions: count.default(0) })),
  }),
  "session.compacted": z.looseObject({ sessionID: id }),
  "message.updated": z.looseObject({ info: messageInfo }),
  "message.removed": z.looseObject({ sessionID: id, messageID: id }),
  "message.part.updated": z.looseObject({ part: partSchema, time: time.optional() }),
  "message.part.removed": z.looseObject({ sessionID: id, partID: id }),
  "message.part.delta": z.looseObject({ sessionID: id }),
  "permission.asked": z.looseObject({
    id,
    sessionID: id,
    permission: z.string(),
    patterns: z.array(z.string()).default([]),
    metadata: z.record(z.string(), z.unknown()).optional(),
    always: z.array(z.string()).optional(),
    tool: z.looseObject({ messageID: z.string(), callID: z.string() }).optional(),
  }),
  "permission.replied": z.looseObject({ sessionID: id, requestID: id, reply: z.string() }),
  "question.asked": z.looseObject({
    id,
    sessionID: id,
    questions: z.array(
      z.looseObject({
        question: z.string(),
        header: z.string().optional(),
        options: z.array(z.looseObject({ label: z.string() })).optional(),
      }),
    ),
  }),
  "question.replied": z.looseObject({ sessionID: id, requestID: id, answers: z.unknown().optional() }),
  "question.rejected": z.looseObject({ sessionID: id, requestID: id }),
  "todo.updated": z.looseObject({
    sessionID: id,
    todos: z.array(z.looseObject({ content: z.string(), status: z.string(), priority: z.string().optional() })),
  }),
  "command.executed": z.looseObject({
    sessionID: id,
    name: z.string(),
    arguments: z.string().optional(),
    messageID: z.string().optional(),
  }),
  "dashboard.heartbeat": z.looseObject({
    opencodeVersion: z.string().nullish(),
    pluginVersion: z.string().nullish(),
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

export type ParsedEvent =
  | { ok: true; known: true; event: KnownEvent }
  | { ok: true; known: false; event: Envelope }
  | { ok: false; field: string; message: string };

function describe(error: z.ZodError, prefix: string) {
  const issue = error.issues[0];
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  return { field, message: `${field}: ${issue.message}` };
}

export function parseEvent(raw: unknown): ParsedEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, ...describe(envelope.error, "") };
  const schema = propertySchemas[envelope.data.type as HandledType];
  if (!schema) return { ok: true, known: false, event: envelope.data };
  const properties = schema.safeParse(envelope.data.properties);
  if (!properties.success) return { ok: false, ...describe(properties.error, "properties") };
  return {
    ok: true,
    known: true,
    event: { ...envelope.data, properties: properties.data } as KnownEvent,
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
