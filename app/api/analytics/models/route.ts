import { analyticsParams } from "@/lib/analytics/params";
import { apiRoute, parseQuery } from "@/lib/http/route";
import { analyticsModels } from "@/lib/analytics/reports";

export const dynamic = "force-dynamic";

/** Usage per provider/model, with each one's share of cost and tokens. */
export const GET = apiRoute(async (request) => {
  const query = parseQuery(request, analyticsParams);
  if (!query.ok) return query.response;
  return Response.json(await analyticsModels(query.value));
});
