import { readBodyLimited } from "@/lib/http/body";
import { handleEvents } from "@/lib/ingest/handle-events";

export const dynamic = "force-dynamic";

/** The plugin webhook: authenticate, validate, hand to lib/ingest, answer. */
export async function POST(request: Request) {
  const { status, body } = await handleEvents({
    apiKey: request.headers.get("x-api-key"),
    contentType: request.headers.get("content-type"),
    readBody: (limit) => readBodyLimited(request, limit),
  });
  return Response.json(body, { status });
}
