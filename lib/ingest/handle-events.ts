import { checkPluginKey, pluginKeyLimitedMessage } from "../auth/plugin-key-check";
import { countRejected, countStored } from "../metrics/registry";
import { MAX_BODY_BYTES } from "./protocol";
import { receiveEvents } from "./receive";
import type { BodyText } from "../http/utf8";

/**
 * POST /events: authenticate, check the media type and size, parse, hand to ingest, answer.
 * server.ts mounts it before Next (see dispatchEvents there for why); it takes plain values, not
 * node's request, so it stays independent of the HTTP framework.
 */
export type EventsRequest = {
  apiKey: string | null;
  /** The client's address (lib/http/client-address.ts), which wrong keys are counted against. */
  client: string;
  contentType: string | null;
  contentEncoding: string | null;
  /** Reads the body as UTF-8, or reports that it exceeds the limit (without buffering all of it) or is not UTF-8. */
  readBody: (limit: number) => Promise<BodyText>;
};

export type EventsResponse = { status: number; body: unknown; headers?: Record<string, string> };

const error = (status: number, code: string, message: string, extra?: Record<string, unknown>): EventsResponse => ({
  status,
  body: { error: { code, message }, ...extra },
});

export async function handleEvents(request: EventsRequest): Promise<EventsResponse> {
  const key = checkPluginKey(request.apiKey, request.client);
  if (key.result === "limited") {
    countRejected("rate_limited");
    const { retryAfter } = key;
    return {
      ...error(429, "rate_limited", pluginKeyLimitedMessage(retryAfter), { retryAfter }),
      headers: { "retry-after": String(retryAfter) },
    };
  }
  if (key.result === "rejected") {
    countRejected("unauthorized");
    return error(401, "unauthorized", "X-API-Key is missing or wrong (use the plugin API key)");
  }
  const type = request.contentType ?? "";
  if (!/^application\/json\b/i.test(type)) {
    countRejected("unsupported_media_type");
    return error(415, "unsupported_media_type", `Content-Type must be application/json, got ${type || "none"}`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1];
  // The body is decoded as UTF-8 (JSON's own encoding): text sent in another would be stored garbled.
  if (charset && !/^utf-?8$/i.test(charset)) {
    countRejected("unsupported_media_type");
    return error(415, "unsupported_media_type", `Content-Type charset must be utf-8, got ${charset}`);
  }
  // The plugin sends plain JSON; a compressed body would only fail as "not valid JSON".
  const encoding = request.contentEncoding?.trim() ?? "";
  if (encoding !== "" && !/^identity$/i.test(encoding)) {
    countRejected("unsupported_media_type");
    return error(
      415,
      "unsupported_media_type",
      `Content-Encoding ${encoding} is not accepted; send the body uncompressed`,
    );
  }
  const body = await request.readBody(MAX_BODY_BYTES);
  if ("tooLarge" in body) {
    countRejected("payload_too_large");
    return error(413, "payload_too_large", `body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  if ("notUtf8" in body) {
    countRejected("invalid_json");
    return error(400, "invalid_json", "body is not valid UTF-8 (JSON must be sent in UTF-8)");
  }

  const started = performance.now();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch (e) {
    countRejected("invalid_json");
    return error(400, "invalid_json", `body is not valid JSON: ${(e as Error).message}`);
  }
  const result = await receiveEvents(parsed);
  if (result.status === "invalid") {
    countRejected("invalid_body");
    return error(400, "invalid_body", result.message);
  }
  if (result.status === "too_many") {
    countRejected("too_many_events");
    return error(413, "too_many_events", result.message);
  }

  const { accepted, duplicates, ignored, rejected } = result;
  countStored(result, (performance.now() - started) / 1000);
  if (rejected.length > 0) {
    countRejected("invalid_events", rejected.length);
    const first = rejected[0];
    const message =
      rejected.length === 1 ? first.message : `${rejected.length} events rejected; first: ${first.message}`;
    return error(400, "invalid_events", message, { accepted, duplicates, ignored, rejected });
  }
  return { status: 202, body: { accepted, duplicates, ignored } };
}
