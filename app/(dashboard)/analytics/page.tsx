import { cookies } from "next/headers";
import { analyticsParams, dailyParams } from "@/lib/analytics/params";
import { requireSignedIn } from "@/lib/auth/page-guard";
import {
  analyticsDaily,
  analyticsHosts,
  analyticsModels,
  analyticsProjects,
  analyticsSummary,
} from "@/lib/analytics/reports";
import { resolveWindow } from "@/lib/analytics/window";
import { usageByDayAndModel } from "@/lib/analytics/queries";
import { listInstances } from "@/lib/instances/queries";
import { isTimeZone } from "@/lib/analytics/local-days";
import { AnalyticsView } from "../../_components/analytics/analytics-view";

export const dynamic = "force-dynamic";

const RANGES = ["today", "7d", "30d", "90d", "all"] as const;

export default async function AnalyticsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSignedIn("/analytics");
  const query = await searchParams;
  const range = RANGES.find((r) => r === query.range) ?? "30d";
  const hostname = typeof query.host === "string" && query.host ? query.host : undefined;
  const tzCookie = (await cookies()).get("tz")?.value;
  const tz = tzCookie && isTimeZone(tzCookie) ? tzCookie : "UTC";

  // The same parameters and functions as /api/analytics/*: the page's numbers are the API's.
  const p = analyticsParams.parse({ range, hostname, tz });
  const window = resolveWindow(p);
  const now = Date.now();
  const chartWindow = { from: window.from ?? now - 90 * 86_400_000, to: window.to ?? now };
  const [summary, models, hosts, projects, calendar, usage, instances] = await Promise.all([
    analyticsSummary(p),
    analyticsModels(p),
    analyticsHosts(p),
    analyticsProjects(p),
    analyticsDaily(dailyParams.parse({ range: "365d", hostname, tz })),
    usageByDayAndModel(chartWindow, tz, hostname),
    listInstances(),
  ]);
  return (
    <AnalyticsView
      range={range}
      host={hostname ?? ""}
      hosts={instances.map((i) => i.hostname)}
      timeZone={tz}
      summary={summary}
      models={models.models}
      hostTotals={hosts.hosts}
      projectTotals={projects.projects}
      calendar={calendar.days}
      usage={usage}
    />
  );
}
