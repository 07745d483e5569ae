import { analyticsParams } from "@/lib/analytics/params";
import { apiRoute, parseQuery } from "@/lib/http/route";
import { analyticsProjects } from "@/lib/analytics/reports";

export const dynamic = "force-dynamic";

/** Usage per project directory. */
export const GET = apiRoute(async (request) => {
  const query = parseQuery(request, analyticsParams);
  if (!query.ok) return query.response;
  return Response.json(await analyticsProjects(query.value));
});
