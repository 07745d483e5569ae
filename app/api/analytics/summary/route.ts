import { analyticsParams } from "@/lib/analytics/params";
import { apiRoute, parseQuery } from "@/lib/http/route";
import { analyticsSummary } from "@/lib/analytics/reports";

export const dynamic = "force-dynamic";

/** Sessions, messages, tokens and cost in a window, with the previous window of the same length. */
export const GET = apiRoute(async (request) => {
  const query = parseQuery(request, analyticsParams);
  if (!query.ok) return query.response;
  return Response.json(await analyticsSummary(query.value));
});
