// OpenCode's APIError carries the provider's response headers and body and the request URL; the
// plugin forwards the error without them. Runs the shipped plugin file under Bun against a capture
// server, fed the stream OpenCode really produced for a provider's 400.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startCaptureServer, type CaptureServer } from "./harness/capture-server.ts";
import { busEvent, drivePlugin, makeSandbox, ROOT, writeGlobalConfig, type Sandbox } from "./harness/run-plugin.ts";
import { ofType, type OcAssistantMessage } from "../support/opencode-payloads.ts";
import { AUTH_MESSAGE, LEAKED, RETRY_MESSAGE, SDK_ERROR, TOOL_ERROR } from "../support/provider-secrets.ts";

let cs: CaptureServer;
let sb: Sandbox;
before(async () => {
  cs = await startCaptureServer();
  sb = makeSandbox();
  writeGlobalConfig(sb, `url = "${cs.url}"\napiKey = "errors-key"\nhostname = "test-host"\n`);
});
after(async () => {
  await cs.close();
  sb.cleanup();
});

const captured = readFileSync(path.join(ROOT, "tests/fixtures/opencode/serve-provider-error-400.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line))
  .filter((e) => e.id && e.type);

const leaky = {
  message: "Retrying: quota",
  statusCode: 429,
  isRetryable: true,
  responseHeaders: { "openai-organization": "org-private-account" },
  responseBody: '{"error":"key sk-leaked-0123 over quota"}',
  metadata: { url: "https://api.provider.example/v1?key=sk-in-url" },
};

test("APIError response headers, body and URL never leave the machine; name, message and status do", async () => {
  const from = cs.requests.length;
  const sessionID = "ses_dcbc64916ffehgBz68QJGk6VzI";
  const extra = [
    // A retry part holds an APIError too, and session.next.retried a flat one.
    busEvent("message.part.updated", {
      sessionID,
      part: {
        id: "prt_r",
        sessionID,
        messageID: "msg_1",
        type: "retry",
        attempt: 1,
        error: { name: "APIError", data: leaky },
      },
    }),
    busEvent("session.next.retried", { sessionID, attempt: 2, timestamp: 1, error: leaky }),
    // `metadata` outside an error is OpenCode's own (a permission's diff) and goes as it is.
    busEvent("permission.asked", {
      id: "per_1",
      sessionID,
      permission: "edit",
      patterns: ["a.ts"],
      metadata: { diff: "+ one line" },
    }),
  ];
  const r = await drivePlugin(sb, { steps: [{ events: [...captured, ...extra] }, { wait: 700 }] });
  assert.equal(r.code, 0, r.stderr);
  const sent = cs.requests.slice(from).flatMap((q) => q.events);
  const body = cs.requests
    .slice(from)
    .map((q) => q.body)
    .join("\n");
  for (const word of [
    "responseHeaders",
    "responseBody",
    "127.0.0.1:4011",
    "transfer-encoding",
    "invalid_request_error",
    "org-private-account",
    "sk-leaked-0123",
    "sk-in-url",
  ]) {
    assert.ok(!body.includes(word), `"${word}" was forwarded`);
  }

  const sessionError = sent.find((e) => e.type === "session.error")!;
  assert.deepEqual(sessionError.properties.error, {
    name: "APIError",
    data: { message: "Bad request (fake)", statusCode: 400, isRetryable: false },
  });
  const failedMessage = ofType(sent, "message.updated")
    .map((e) => e.properties.info)
    .find((info): info is OcAssistantMessage => info.role === "assistant" && info.error !== undefined);
  assert.equal(failedMessage?.error?.data.message, "Bad request (fake)");
  assert.equal(failedMessage?.tokens.input, 0); // the rest of the message goes as it is
  const retry = ofType(sent, "message.part.updated")
    .map((e) => e.properties.part)
    .find((part) => part.type === "retry");
  assert.deepEqual(retry?.error.data, {
    message: "Retrying: quota",
    statusCode: 429,
    isRetryable: true,
  });
  const retried = sent.find((e) => e.type === "session.next.retried")!;
  assert.deepEqual(retried.properties.error, { message: "Retrying: quota", statusCode: 429, isRetryable: true });
  const permission = sent.find((e) => e.type === "permission.asked")!;
  assert.deepEqual(permission.properties.metadata, { diff: "+ one line" });
});

test("every other error shape: nested details, serialised provider errors, credentials, keys and URL queries stay on the machine", async () => {
  const from = cs.requests.length;
  const sessionID = "ses_leakyshapes01";
  const events = [
    // An UnknownError whose message is the AI SDK's error, serialised whole.
    busEvent("session.error", {
      sessionID,
      error: { name: "UnknownError", data: { message: JSON.stringify(SDK_ERROR) } },
    }),
    // Details one level further down, in a cause.
    busEvent("message.updated", {
      sessionID,
      info: {
        id: "msg_leaky",
        sessionID,
        role: "assistant",
        error: { name: "APIError", data: { message: "Bad request", isRetryable: false, cause: SDK_ERROR } },
      },
    }),
    busEvent("session.status", {
      sessionID,
      status: {
        type: "retry",
        attempt: 2,
        message: RETRY_MESSAGE,
        next: 1,
      },
    }),
    busEvent("message.part.updated", {
      sessionID,
      part: {
        id: "prt_leaky_tool",
        sessionID,
        messageID: "msg_leaky",
        type: "tool",
        tool: "webfetch",
        state: {
          status: "error",
          input: {},
          error: TOOL_ERROR,
        },
      },
    }),
    busEvent("session.error", {
      sessionID,
      error: {
        name: "ProviderAuthError",
        data: { providerID: "openai", message: AUTH_MESSAGE },
      },
    }),
  ];
  const r = await drivePlugin(sb, { steps: [{ events }, { wait: 700 }] });
  assert.equal(r.code, 0, r.stderr);
  const body = cs.requests
    .slice(from)
    .map((q) => q.body)
    .join("\n");
  for (const word of LEAKED) {
    assert.ok(!body.includes(word), `"${word}" was forwarded:\n${body.slice(0, 3000)}`);
  }
  const sent = cs.requests.slice(from).flatMap((q) => q.events);
  const errors = sent.filter((e) => e.type === "session.error").map((e) => e.properties.error);
  assert.deepEqual(errors, [
    { name: "UnknownError", data: { message: "Incorrect API key provided" } },
    { name: "ProviderAuthError", data: { providerID: "openai", message: "Authorization: [redacted] was rejected" } },
  ]);
  const status = sent.find((e) => e.type === "session.status")!.properties.status as { message: string };
  assert.equal(status.message, "POST https://llm.example.net/v1/chat?… failed: x-api-key: [redacted]");
});
