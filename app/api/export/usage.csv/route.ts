import { usageExportParams } from "@/lib/analytics/params";
import { apiRoute, parseQuery } from "@/lib/http/route";
import { usageExportCsv } from "@/lib/analytics/reports";

export const dynamic = "force-dynamic";

/** Assistant usage per local day and model as CSV (default: all time, UTC days). */
export const GET = apiRoute(async (request) => {
  const query = parseQuery(request, usageExportParams);
  if (!query.ok) return query.response;
  const today = new Date().toISOString().slice(0, 10);
  return new Response(await usageExportCsv(query.value), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="opencode-usage-${today}.csv"`,
    },
  });
});
