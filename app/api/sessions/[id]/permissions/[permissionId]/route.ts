import { permissionReplyBody } from "@/lib/control/params";
import { issueFromRequest } from "@/lib/control/respond";
import { apiRoute, parseBody } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Answers a pending permission on the session's machine (docs/control.md). */
export const POST = apiRoute<{ id: string; permissionId: string }>(async (request, { id, permissionId }) => {
  const body = await parseBody(request, permissionReplyBody);
  if (!body.ok) return body.response;
  return issueFromRequest(request, id, "permission.reply", { permissionId, ...body.value });
});
