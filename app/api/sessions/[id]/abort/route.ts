import { issueFromRequest } from "@/lib/control/respond";
import { apiRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Stops a busy session (docs/control.md). */
export const POST = apiRoute<{ id: string }>(async (request, { id }) => issueFromRequest(request, id, "abort", {}));
