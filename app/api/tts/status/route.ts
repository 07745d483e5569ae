import { apiRoute } from "@/lib/http/route";
import { getStatus } from "@/lib/tts/http";

export const dynamic = "force-dynamic";

/** Which engine speaks (kokoro, espeak or the browser) and why; the first call starts loading Kokoro. */
export const GET = apiRoute(async () => getStatus());
