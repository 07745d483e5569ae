/**
 * Provider error text as OpenCode reports it can carry what must never be stored or shown: an
 * UnknownError's message is often the provider error serialised whole (its `responseHeaders`,
 * `responseBody`, `url`, `requestBodyValues`), and messages quote URLs with keys in their query,
 * `Authorization` headers and bare API keys. The plugin removes them before forwarding
 * (plugin/opencode-dashboard.ts keeps its own copy of these rules); the server applies them again
 * at the edge, since older or other plugins may not.
 */

/** Keys of a serialised provider error that hold the raw exchange; dropped wherever they occur. */
const DETAIL_KEYS = new Set([
  "responseHeaders",
  "responseBody",
  "requestBodyValues",
  "requestHeaders",
  "headers",
  "metadata",
  "url",
]);
const REDACTED = "[redacted]";
/** How deep a serialised error is searched for its own message. */
const MAX_DEPTH = 8;

const HEADER_VALUE =
  /\b(authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key|anthropic-api-key|cookie|set-cookie)(["']?\s*[:=]\s*["']?)((?:bearer|basic|token)\s+)?[^"'\s,;}]+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const KNOWN_KEYS = /\b(?:sk-[A-Za-z0-9_-]{12,}|AIza[0-9A-Za-z_-]{30,}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,})/g;
const KEY_PARAMETER = /\b(api[_-]?key|access[_-]?token|token|key|secret|password)=[^&\s"']+/gi;
const URL_PATTERN = /\b(?:https?|wss?):\/\/[^\s"'<>`]+/gi;

/** A URL without its credentials, query and fragment: where, not with what. */
function bareUrl(text: string): string {
  try {
    const url = new URL(text);
    const cut = url.search || url.hash || url.username || url.password;
    return `${url.protocol}//${url.host}${url.pathname}${cut ? "?…" : ""}`;
  } catch {
    return text.replace(/[?#].*$/, "?…");
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The message a serialised error carries (its own, its `data`'s, its `error`'s or its cause's). */
function messageOf(value: unknown, depth = 0): string | undefined {
  if (!isRecord(value) || depth > MAX_DEPTH) return undefined;
  if (typeof value.message === "string" && value.message.trim()) return value.message;
  for (const key of ["data", "error", "cause", "lastError"]) {
    const found = messageOf(value[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

function withoutDetails(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((item) => withoutDetails(item, depth + 1));
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !DETAIL_KEYS.has(key))
      .map(([key, item]) => [key, withoutDetails(item, depth + 1)]),
  );
}

/** A message that is a whole serialised error becomes that error's message (or the error without its details). */
function unwrapSerialisedError(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return text;
  }
  return messageOf(parsed) ?? JSON.stringify(withoutDetails(parsed));
}

/** Error text with provider details, URL queries, credentials and API keys taken out. */
export function redactSecrets(text: string): string {
  return unwrapSerialisedError(text)
    .replace(URL_PATTERN, bareUrl)
    .replace(HEADER_VALUE, (_match, name: string, separator: string) => `${name}${separator}${REDACTED}`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(KNOWN_KEYS, REDACTED)
    .replace(KEY_PARAMETER, `$1=${REDACTED}`);
}
