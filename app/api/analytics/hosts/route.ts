import { analyticsParams } from "@/lib/analytics/params";
import { apiRoute, parseQuery } from "@/lib/http/route";
import { analyticsHosts } from "@/lib/analytics/reports";

export const dynamic = "force-dynamic";

/** Usage per host. */
export const GET = apiRoute(async (request) => {
  const query = parseQuery(request, analyticsParams);
  if (!query.ok) return query.response;
  return Response.json(await analyticsHosts(query.value));
});
