import assert from "node:assert/strict";
import { eventId, postEvents, type WireEvent } from "./client";
import type { TestServer } from "./server";

const DAY_MS = 86_400_000;

/** Sessions the UI tests open by id. */
export const SEEDED = {
  permission: "ses_seed_permission",
  question: "ses_seed_question",
  error: "ses_seed_error",
  /** Has Markdown with a GFM task list and a code block, and usage on several days. */
  markdown: "ses_seed_markdown",
  /** A model used only today, so it is not the biggest model of a longer range. */
  todayModel: "gpt-5-mini",
  /** The biggest model of the last week, with nothing today. */
  weekModel: "claude-sonnet-4",
  /** Long names, as real fleets have them: they must not widen a phone's page. */
  host: "build-runner-eu-west-1.ci.internal",
  otherHost: "dev-laptop-of-a-colleague",
} as const;

const DIRECTORY = "/home/dev/projects/customer-portal/services/payments-webhook-handler";

const LONG_TITLE = "Refactor the payment webhook handler so that retries from the provider are idempotent and logged";

const MARKDOWN = [
  "Here is the plan:",
  "",
  "- [x] Read the webhook handler",
  "- [ ] Make retries idempotent",
  "- [ ] Add a test",
  "",
  "```ts",
  'const key = request.headers.get("idempotency-key"); // one per retry',
  "export async function handle(event: Event): Promise<number> {",
  "  if (await seen(key)) return 200;",
  "  return 202;",
  "}",
  "```",
  "",
  "A `seen()` check, **stored** before the answer.",
].join("\n");

/**
 * What a real board holds: sessions blocked on a permission and a question, one stopped by an
 * error, a long title, Markdown with a task list and code, usage by two models on several days
 * and two hosts with heartbeats. Events shaped as OpenCode sends them (opencode-payloads.ts).
 */
export async function seedUiData(server: Pick<TestServer, "url" | "apiKey">) {
  const now = Date.now();
  const ev = (
    type: string,
    properties: Record<string, unknown>,
    hostname: string = SEEDED.host,
    time = now,
  ): WireEvent => ({ id: eventId(), type, hostname, directory: DIRECTORY, time, properties });
  const created = (id: string, title: string, hostname: string = SEEDED.host, time = now) =>
    ev(
      "session.created",
      { info: { id, title, directory: DIRECTORY, time: { created: time, updated: time } } },
      hostname,
      time,
    );
  const assistant = (sessionID: string, id: string, modelID: string, cost: number, time: number) =>
    ev(
      "message.updated",
      {
        info: {
          id,
          sessionID,
          role: "assistant",
          providerID: modelID.startsWith("gpt") ? "openai" : "anthropic",
          modelID,
          cost,
          tokens: { input: 12_000, output: 3_000, reasoning: 0, cache: { read: 40_000, write: 0 } },
          time: { created: time - 1000, completed: time },
        },
      },
      SEEDED.host,
      time,
    );

  const heartbeat = (hostname: string, time: number) =>
    ev(
      "dashboard.heartbeat",
      { opencodeVersion: "1.18.33", pluginVersion: "0.1.0", busySessions: 1, spoolBytes: 0, droppedEvents: 0 },
      hostname,
      time,
    );

  const events: WireEvent[] = [
    heartbeat(SEEDED.host, now),
    heartbeat(SEEDED.otherHost, now - 10 * 60_000),
    created(SEEDED.markdown, LONG_TITLE, SEEDED.host, now - 6 * DAY_MS),
    created(SEEDED.permission, "Clean the build folder"),
    ev("session.status", { sessionID: SEEDED.permission, status: { type: "busy" } }),
    ev("permission.asked", {
      id: "per_seed_1",
      sessionID: SEEDED.permission,
      permission: "bash",
      patterns: ["rm -rf build"],
      metadata: { command: "rm -rf build" },
    }),
    created(SEEDED.question, "Pick a database for the cache", SEEDED.otherHost),
    ev(
      "question.asked",
      {
        id: "que_seed_1",
        sessionID: SEEDED.question,
        questions: [
          {
            question: "Postgres or SQLite?",
            header: "Database",
            options: [{ label: "Postgres" }, { label: "SQLite" }],
          },
        ],
      },
      SEEDED.otherHost,
    ),
    created(SEEDED.error, "Upgrade the ORM"),
    ev("session.error", {
      sessionID: SEEDED.error,
      error: { name: "APIError", data: { message: "rate limited by provider" } },
    }),
    ev("message.updated", {
      info: { id: "msg_seed_u1", sessionID: SEEDED.markdown, role: "user", time: { created: now - 5000 } },
    }),
    ev("message.part.updated", {
      part: {
        id: "prt_seed_u1",
        sessionID: SEEDED.markdown,
        messageID: "msg_seed_u1",
        type: "text",
        text: "Plan the idempotent webhook",
      },
    }),
    ev("message.part.updated", {
      part: {
        id: "prt_seed_tool",
        sessionID: SEEDED.markdown,
        messageID: "msg_seed_a1",
        type: "tool",
        tool: "bash",
        callID: "call_seed_1",
        state: {
          status: "completed",
          input: { command: "npm test" },
          output: "42 passing",
          title: "Run the tests",
          time: { start: now - 4000, end: now - 3000 },
        },
      },
    }),
    ev("message.part.updated", {
      part: {
        id: "prt_seed_md",
        sessionID: SEEDED.markdown,
        messageID: "msg_seed_a1",
        type: "text",
        text: MARKDOWN,
        time: { start: now - 2000, end: now - 1000 },
      },
    }),
    assistant(SEEDED.markdown, "msg_seed_a1", SEEDED.todayModel, 0.4, now - 1000),
    // The week's biggest model, on days with days without usage between them (sparse days).
    assistant(SEEDED.markdown, "msg_seed_w1", SEEDED.weekModel, 4.5, now - 5 * DAY_MS),
    assistant(SEEDED.markdown, "msg_seed_w2", SEEDED.weekModel, 0.75, now - 3 * DAY_MS),
    assistant(SEEDED.markdown, "msg_seed_w3", SEEDED.weekModel, 2.25, now - 2 * DAY_MS),
    ev("session.status", { sessionID: SEEDED.markdown, status: { type: "idle" } }),
  ];
  const answer = await postEvents(server, { events });
  assert.equal(answer.status, 202, answer.text);
}
