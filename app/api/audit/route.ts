import { listAudit } from "@/lib/control/audit";
import { auditParams } from "@/lib/control/params";
import { apiRoute, parseQuery } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Commands sent from the dashboard, newest first (docs/control.md). */
export const GET = apiRoute(async (request) => {
  const params = parseQuery(request, auditParams);
  if (!params.ok) return params.response;
  return Response.json(listAudit(params.value));
});
