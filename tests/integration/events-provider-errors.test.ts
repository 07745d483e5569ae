// OpenCode's APIError carries the provider's raw response (headers, body) and the request URL.
// Whatever a plugin forwards, none of it may be stored or shown: it can hold keys and account data.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventId, getJson, loadStream, postEvents, type WireEvent } from "../support/client";
import { openReadOnly } from "../support/db";
import { startServer, type TestServer } from "../support/server";
import { AUTH_MESSAGE, LEAKED, RETRY_MESSAGE, SDK_ERROR, TOOL_ERROR } from "../support/provider-secrets";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.dispose();
});

/** The captured 400's session (tests/fixtures/opencode/serve-provider-error-400.jsonl). */
const sessionID = "ses_dcbc64916ffehgBz68QJGk6VzI";
const messageID = "msg_23439d244001uMQbAT2dPs2GNB";

/** What a real provider's answer may carry, beside the captured stream's own headers and URL. */
const leakyDetails = {
  responseHeaders: { "openai-organization": "org-private-account-42", "x-request-id": "req-private-77" },
  responseBody: '{"error":{"message":"key sk-leaked-0123 over quota","type":"invalid_request_error"}}',
  metadata: { url: "https://api.provider.example/v1/chat/completions?key=sk-in-url-999" },
};
/** Text from those fields and from the captured stream's; none may come back. */
const forbidden = [
  "responseHeaders",
  "responseBody",
  "org-private-account-42",
  "req-private-77",
  "sk-leaked-0123",
  "sk-in-url-999",
  "api.provider.example",
  "invalid_request_error",
  "127.0.0.1:4011",
  "transfer-encoding",
];

function apiError(message: string) {
  return { name: "APIError", data: { message, statusCode: 400, isRetryable: false, ...leakyDetails } };
}

function assertClean(where: string, text: string) {
  for (const word of forbidden) assert.ok(!text.includes(word), `${where} shows "${word}":\n${text.slice(0, 2000)}`);
}

test("a provider's 400 (APIError) is shown by its message; its headers, body and URL are dropped", async () => {
  const captured = loadStream("serve-provider-error-400.jsonl");
  const last = captured.at(-1)!.time;
  const extra: WireEvent[] = [
    {
      id: eventId(),
      type: "session.error",
      hostname: "vps-1",
      directory: "/home/dev/webapp",
      time: last + 10,
      properties: { sessionID, error: apiError("Bad request (leaky)") },
    },
    {
      id: eventId(),
      type: "message.part.updated",
      hostname: "vps-1",
      directory: "/home/dev/webapp",
      time: last + 20,
      properties: {
        part: {
          id: "prt_retry_leaky",
          sessionID,
          messageID,
          type: "retry",
          attempt: 1,
          error: apiError("Retrying after a provider error"),
          time: { created: last + 20 },
        },
      },
    },
  ];
  const posted = await postEvents(server, { events: [...captured, ...extra] });
  assert.equal(posted.status, 202, posted.text);

  const detail = await getJson(server, `/api/sessions/${sessionID}`);
  assert.equal(detail.status, 200);
  const detailText = JSON.stringify(detail.json);
  assertClean("the session detail", detailText);
  // The messages themselves are kept, as the user needs them.
  assert.match(detailText, /Bad request \(fake\)/);
  assert.match(detailText, /Bad request \(leaky\)/);
  assert.match(detailText, /Retrying after a provider error/);

  for (const format of ["json", "markdown"]) {
    const res = await fetch(`${server.url}/api/sessions/${sessionID}/export?format=${format}`, {
      headers: { "x-api-key": server.password },
    });
    assert.equal(res.status, 200);
    assertClean(`the ${format} export`, await res.text());
  }
  const list = await getJson(server, "/api/sessions");
  assertClean("the session list", JSON.stringify(list.json));

  // Nor anywhere in the database, where a later feature could surface it.
  const db = openReadOnly(server.databasePath);
  try {
    const tables = db.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") as {
      name: string;
    }[];
    for (const { name } of tables) {
      if (/_fts|search/.test(name)) continue; // full-text shadow tables hold tokens of the rows above
      assertClean(`table ${name}`, JSON.stringify(db.all(`SELECT * FROM "${name}"`)));
    }
  } finally {
    db.close();
  }
});

/**
 * Every other shape in which OpenCode 1.18 reports a provider or tool error, each carrying what a
 * real provider's failure may: an UnknownError whose message is the AI SDK's error serialised whole,
 * credentials in messages, URLs with keys in their query. The messages stay readable.
 */
test("every error shape: serialised provider errors, credentials, keys and URL queries are dropped from the text", async () => {
  const sessionID = "ses_leakyshapes01";
  const messageID = "msg_leakyshapes01";
  const base = { hostname: "vps-1", directory: "/home/dev/webapp" };
  const now = Date.now();
  const events: WireEvent[] = [
    {
      id: eventId(),
      type: "session.created",
      ...base,
      time: now,
      properties: { info: { id: sessionID, directory: base.directory, title: "leaky", time: { created: now } } },
    },
    {
      id: eventId(),
      type: "session.status",
      ...base,
      time: now + 1,
      properties: {
        sessionID,
        status: {
          type: "retry",
          attempt: 2,
          message: RETRY_MESSAGE,
          next: now + 5000,
        },
      },
    },
    {
      id: eventId(),
      type: "message.updated",
      ...base,
      time: now + 2,
      properties: {
        info: {
          id: messageID,
          sessionID,
          role: "assistant",
          time: { created: now + 2, completed: now + 3 },
          error: { name: "UnknownError", data: { message: JSON.stringify(SDK_ERROR) } },
        },
      },
    },
    {
      id: eventId(),
      type: "message.part.updated",
      ...base,
      time: now + 4,
      properties: {
        part: {
          id: "prt_leaky_tool",
          sessionID,
          messageID,
          type: "tool",
          tool: "webfetch",
          callID: "call_1",
          state: {
            status: "error",
            input: { url: "https://docs.example.org/page" },
            error: TOOL_ERROR,
            time: { start: now + 4, end: now + 5 },
          },
        },
      },
    },
    {
      id: eventId(),
      type: "session.error",
      ...base,
      time: now + 6,
      properties: {
        sessionID,
        error: {
          name: "ProviderAuthError",
          data: { providerID: "openai", message: AUTH_MESSAGE },
        },
      },
    },
  ];
  const posted = await postEvents(server, { events });
  assert.equal(posted.status, 202, posted.text);

  const detail = await getJson(server, `/api/sessions/${sessionID}`);
  assert.equal(detail.status, 200);
  const shown = JSON.stringify(detail.json);
  for (const word of LEAKED) assert.ok(!shown.includes(word), `the session detail shows "${word}":\n${shown}`);
  // What the user needs stays: the messages, and where each request went.
  assert.match(shown, /Incorrect API key provided/);
  assert.match(shown, /POST https:\/\/llm\.example\.net\/v1\/chat\?… failed: x-api-key: \[redacted\]/);
  assert.match(shown, /fetch https:\/\/docs\.example\.org\/p\?… failed; Authorization: \[redacted\]/);
  assert.match(shown, /Authorization: \[redacted\] was rejected/);

  const db = openReadOnly(server.databasePath);
  try {
    const rows = JSON.stringify([
      db.all("SELECT * FROM sessions WHERE id = ?", sessionID),
      db.all("SELECT * FROM messages WHERE session_id = ?", sessionID),
      db.all("SELECT * FROM timeline WHERE session_id = ?", sessionID),
    ]);
    for (const word of LEAKED) assert.ok(!rows.includes(word), `the database holds "${word}"`);
  } finally {
    db.close();
  }
});
