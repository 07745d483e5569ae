import { cookies } from "next/headers";
import { loadAnalyticsPage } from "@/lib/analytics/pages";
import { analyticsPageParams } from "@/lib/analytics/params";
import { requireSignedIn } from "@/lib/auth/page-guard";
import { AnalyticsView } from "../../_components/analytics/analytics-view";

export const dynamic = "force-dynamic";

export default async function AnalyticsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSignedIn("/analytics");
  const query = await searchParams;
  const tz = (await cookies()).get("tz")?.value;
  const params = analyticsPageParams.parse({ range: query.range, host: query.host, tz });
  return <AnalyticsView {...await loadAnalyticsPage(params)} />;
}
