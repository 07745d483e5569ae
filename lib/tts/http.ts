import { z } from "zod";
import { getConfig } from "../config";
import { readBodyLimited } from "../http/body";
import { jsonError } from "../http/errors";
import { clientKey } from "../http/client-address";
import { clientAddressOf } from "../http/remote-address";
import { RateLimit } from "./rate-limit";
import { speechUrl, verifySpeech } from "./signature";
import { getSpeech, MAX_TEXT, SpeechUnavailable } from "./speech";
import { runtime } from "../runtime";

/** The three /api/tts routes; app/api/tts/** only wrap these. */

const text = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .trim()
  .min(1, "must not be empty")
  .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`);
const voice = z
  .string()
  .max(40, "must be at most 40 characters")
  .regex(/^[a-z0-9_+-]*$/, "must be a voice id such as af_heart")
  .optional();

const signBody = z.object({ text, voice });
const speechQuery = z.object({
  text,
  voice: voice.default(""),
  exp: z.coerce.number({ error: "must be a number (seconds since 1970)" }).int("must be an integer"),
  sig: z.string({ error: "is required" }).min(1, "is required"),
});

const limiter = () => (runtime.limits.speech ??= new RateLimit(30, 60_000));

function unavailable(error: SpeechUnavailable) {
  return jsonError(503, error.code, error.message);
}

export async function getStatus(): Promise<Response> {
  return Response.json(await getSpeech().status());
}

export async function signRequest(request: Request): Promise<Response> {
  const body = await readBodyLimited(request, 4096);
  if ("tooLarge" in body) return jsonError(413, "payload_too_large", "the body must be at most 4 KB");
  if ("notUtf8" in body) return jsonError(400, "invalid_json", "the body must be UTF-8 JSON");
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch {
    return jsonError(400, "invalid_json", 'the body must be JSON: {"text": "…"}');
  }
  const parsed = signBody.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join(".") || "body";
    return jsonError(400, "invalid_parameter", `${field}: ${issue.message}`, { field });
  }
  const status = await getSpeech().status();
  if (!status.enabled)
    return jsonError(503, "tts_disabled", "spoken announcements are turned off on this server (DISABLE_TTS=true)");
  if (status.engine === "browser")
    return jsonError(503, "tts_unavailable", `no speech engine on the server: ${status.reason}`, { engine: "browser" });
  const chosen = parsed.data.voice && status.voices.includes(parsed.data.voice) ? parsed.data.voice : status.voice;
  const { url, exp } = speechUrl(getConfig().authSecret, parsed.data.text, chosen);
  return Response.json({ url, exp, engine: status.engine, voice: chosen });
}

export async function speak(request: Request): Promise<Response> {
  const query = speechQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) {
    const issue = query.error.issues[0];
    const field = issue.path.map(String).join(".") || "query";
    return jsonError(400, "invalid_parameter", `${field}: ${issue.message}`, { field });
  }
  const { text, voice, exp, sig } = query.data;
  const verdict = verifySpeech(getConfig().authSecret, { text, voice, exp }, sig);
  if (!verdict.ok) return jsonError(403, verdict.code, verdict.message);
  const allowed = limiter().take(clientKey(clientAddressOf(request.headers)));
  if (!allowed.ok) {
    return jsonError(
      429,
      "rate_limited",
      `at most 30 speech requests a minute; retry in ${allowed.retryAfterS} s`,
      undefined,
      { "retry-after": String(allowed.retryAfterS) },
    );
  }
  try {
    const { wav, engine, cached } = await getSpeech().synthesize(text, voice || undefined);
    return new Response(new Uint8Array(wav), {
      headers: {
        "content-type": "audio/wav",
        "content-length": String(wav.length),
        "cache-control": "private, max-age=300",
        "x-tts-engine": engine,
        "x-tts-cache": cached ? "hit" : "miss",
      },
    });
  } catch (error) {
    if (error instanceof SpeechUnavailable) return unavailable(error);
    throw error;
  }
}
