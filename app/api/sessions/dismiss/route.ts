import { apiRoute, parseBody } from "@/lib/http/route";
import { dismissFinished } from "@/lib/sessions/commands";
import { dismissFinishedBody } from "@/lib/sessions/params";

export const dynamic = "force-dynamic";

/** "Dismiss all finished": clears finished sessions' attention, on one host or all, and tells every dashboard. */
export const POST = apiRoute(async (request) => {
  const body = await parseBody(request, dismissFinishedBody);
  if (!body.ok) return body.response;
  return Response.json({ dismissed: dismissFinished(body.value) });
});
