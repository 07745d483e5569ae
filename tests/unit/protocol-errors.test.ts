import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEvent } from "../../lib/ingest/protocol";

/**
 * OpenCode's APIError, as captured (tests/fixtures/opencode/serve-provider-error-400.jsonl): the
 * provider's response headers and body and the request URL ride along with the message.
 */
const apiError = {
  name: "APIError",
  data: {
    message: "Bad request (fake)",
    statusCode: 400,
    isRetryable: false,
    responseHeaders: { "openai-organization": "org-private" },
    responseBody: '{"error":{"message":"Bad request (fake)"}}',
    metadata: { url: "http://127.0.0.1:4011/v1/chat/completions" },
  },
};

function parsed(type: string, properties: Record<string, unknown>) {
  const result = parseEvent({ id: "evt_1", type, hostname: "h", directory: "/w", time: 1, properties });
  assert.ok(result.ok && result.known, JSON.stringify(result));
  return result.event.properties;
}

const assertStripped = (value: unknown) => {
  const text = JSON.stringify(value);
  assert.match(text, /Bad request \(fake\)/);
  for (const word of ["responseHeaders", "responseBody", "metadata", "org-private", "4011"])
    assert.ok(!text.includes(word), `${word} kept in ${text}`);
};

test("session.error: only the error's name and message pass the protocol edge", () => {
  const props = parsed("session.error", { sessionID: "ses_1", error: apiError }) as { error: unknown };
  assert.deepEqual(props.error, { name: "APIError", data: { message: "Bad request (fake)" } });
});

test("message.updated: an assistant message's error keeps its name and message only", () => {
  const props = parsed("message.updated", {
    info: { id: "msg_1", sessionID: "ses_1", role: "assistant", time: { created: 1 }, error: apiError },
  });
  assertStripped(props);
});

test("message.part.updated: a retry part's error keeps its name and message only; a part with an odd error is kept", () => {
  const retry = parsed("message.part.updated", {
    part: { id: "prt_1", sessionID: "ses_1", messageID: "msg_1", type: "retry", attempt: 1, error: apiError },
  });
  assertStripped(retry);
  const odd = parsed("message.part.updated", {
    part: { id: "prt_2", sessionID: "ses_1", messageID: "msg_1", type: "text", text: "hi", error: "a string" },
  }) as { part: Record<string, unknown> };
  assert.equal(odd.part.text, "hi");
  assert.equal(odd.part.error, undefined);
});

test("an event type named like one of Object's own properties is an unknown type, not a crash", () => {
  for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    const result = parseEvent({ id: "evt_1", type, hostname: "h", directory: "/w", time: 1, properties: {} });
    assert.ok(result.ok && !result.known, `${type}: ${JSON.stringify(result)}`);
  }
});
