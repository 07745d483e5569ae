import { apiRoute } from "@/lib/http/route";
import { signRequest } from "@/lib/tts/http";

export const dynamic = "force-dynamic";

/** `{text, voice?}` → `{url, exp, engine, voice}`: a signed /api/tts URL, valid for two minutes. */
export const POST = apiRoute(async (request) => signRequest(request));
