import { questionReplyBody } from "@/lib/control/params";
import { issueFromRequest } from "@/lib/control/respond";
import { apiRoute, parseBody } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Answers a pending question on the session's machine (docs/control.md). */
export const POST = apiRoute<{ id: string; requestId: string }>(async (request, { id, requestId }) => {
  const body = await parseBody(request, questionReplyBody);
  if (!body.ok) return body.response;
  return issueFromRequest(request, id, "question.reply", { requestId, answers: body.value.answers });
});
