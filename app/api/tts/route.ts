import { getLog } from "@/lib/log";
import { jsonError } from "@/lib/http/errors";
import { speak } from "@/lib/tts/http";

export const dynamic = "force-dynamic";

/**
 * Speech as audio/wav for an <audio> element: no header, only a short-lived signed URL from
 * POST /api/tts/sign (text, voice, exp, sig).
 */
export async function GET(request: Request) {
  try {
    return await speak(request);
  } catch (error) {
    getLog().error({ err: error }, "speech synthesis failed");
    return jsonError(500, "tts_failed", `speech synthesis failed: ${(error as Error).message}`);
  }
}
