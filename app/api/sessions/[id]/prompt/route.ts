import { promptBody } from "@/lib/control/params";
import { issueFromRequest } from "@/lib/control/respond";
import { apiRoute, parseBody } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Sends the session its next prompt (control level "full"; docs/control.md). */
export const POST = apiRoute<{ id: string }>(async (request, { id }) => {
  const body = await parseBody(request, promptBody);
  if (!body.ok) return body.response;
  return issueFromRequest(request, id, "prompt", { text: body.value.text });
});
