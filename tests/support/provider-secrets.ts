/**
 * Error text that carries what must never be stored or shown, as OpenCode passes it on from a
 * provider: the same cases for the plugin (which strips them before forwarding) and the server
 * (which strips them again at the edge), so that both are held to one list.
 */

/** The AI SDK's error, as an UnknownError's message carries it serialised whole. */
export const SDK_ERROR = {
  name: "AI_APICallError",
  url: "https://llm.example.net/v1/chat/completions?key=sk-in-url-999",
  requestBodyValues: { messages: [{ role: "user", content: "the user's private prompt" }] },
  statusCode: 401,
  responseHeaders: { "openai-organization": "org-private-account-42" },
  responseBody: '{"error":{"message":"key sk-leaked-0123 refused"}}',
  message: "Incorrect API key provided",
};

/** A retry's message quoting the request's URL with a key in its query, and a key header. */
export const RETRY_MESSAGE =
  "POST https://llm.example.net/v1/chat?api_key=secret-in-query-1 failed: x-api-key: secret-header-2";

/** A tool's error quoting a URL with credentials and a query token, and a Basic Authorization header. */
export const TOOL_ERROR =
  "fetch https://user:hunter2@docs.example.org/p?token=abc123 failed; Authorization: Basic dXNlcjpwYXNz";

/** A ProviderAuthError's message quoting a bearer key. */
export const AUTH_MESSAGE = "Authorization: Bearer sk-proj-abcdefghijklmnop0123 was rejected";

/** What none of the above may leave behind anywhere. */
export const LEAKED = [
  "sk-in-url-999",
  "secret-in-query-1",
  "secret-header-2",
  "org-private-account-42",
  "sk-leaked-0123",
  "private prompt",
  "requestBodyValues",
  "hunter2",
  "abc123",
  "dXNlcjpwYXNz",
  "sk-proj-abcdefghijklmnop0123",
];
