import { dailyParams } from "@/lib/analytics/params";
import { apiRoute, parseQuery } from "@/lib/http/route";
import { analyticsDaily } from "@/lib/analytics/reports";

export const dynamic = "force-dynamic";

/** One row per local day of `tz` (default: the last 365 days), for the calendar. */
export const GET = apiRoute(async (request) => {
  const query = parseQuery(request, dailyParams);
  if (!query.ok) return query.response;
  return Response.json(await analyticsDaily(query.value));
});
