import { issueFromRequest } from "@/lib/control/respond";
import { apiRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Dismisses a pending question on the session's machine (docs/control.md). */
export const POST = apiRoute<{ id: string; requestId: string }>(async (request, { id, requestId }) =>
  issueFromRequest(request, id, "question.reject", { requestId }),
);
