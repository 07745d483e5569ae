import { isPluginKey } from "@/lib/auth/secrets";
import { readBodyLimited } from "@/lib/http/body";
import { jsonError } from "@/lib/http/errors";
import { MAX_BODY_BYTES } from "@/lib/ingest/protocol";
import { receiveEvents } from "@/lib/ingest/receive";

export const dynamic = "force-dynamic";

/** The plugin webhook: authenticate, validate, hand to lib/ingest, answer. */
export async function POST(request: Request) {
  if (!isPluginKey(request.headers.get("x-api-key"))) {
    return jsonError(401, "unauthorized", "X-API-Key is missing or wrong (use the plugin API key)");
  }
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    return jsonError(415, "unsupported_media_type", `Content-Type must be application/json, got ${type || "none"}`);
  }
  const body = await readBodyLimited(request, MAX_BODY_BYTES);
  if ("tooLarge" in body) return jsonError(413, "payload_too_large", `body must be at most ${MAX_BODY_BYTES} bytes`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch (error) {
    return jsonError(400, "invalid_json", `body is not valid JSON: ${(error as Error).message}`);
  }
  const result = receiveEvents(parsed);
  if (result.status === "invalid") return jsonError(400, "invalid_body", result.message);
  if (result.status === "too_many") return jsonError(413, "too_many_events", result.message);

  const { accepted, duplicates, ignored, rejected } = result;
  if (rejected.length > 0) {
    const first = rejected[0];
    const message = rejected.length === 1 ? first.message : `${rejected.length} events rejected; first: ${first.message}`;
    return jsonError(400, "invalid_events", message, { accepted, duplicates, ignored, rejected });
  }
  return Response.json({ accepted, duplicates, ignored }, { status: 202 });
}
