import { pageLoader } from "../http/page-loader";
import { listHostnames } from "../instances/queries";
import { DAY_MS } from "./local-days";
import { type AnalyticsPageParams, analyticsParams, dailyParams } from "./params";
import { usageByDayAndModel } from "./queries";
import { analyticsDaily, analyticsHosts, analyticsModels, analyticsProjects, analyticsSummary } from "./reports";
import { resolveWindow } from "./window";

/** Over an unbounded range (all time) the usage chart still covers a bounded span: the last this many days. */
const UNBOUNDED_CHART_DAYS = 90;

/** The analytics page: the cards, tables and charts for one range and host, and the host filter's choices. */
export const loadAnalyticsPage = pageLoader("the analytics", async ({ range, host, tz }: AnalyticsPageParams) => {
  const hostname = host || undefined;
  // The same parameters and functions as /api/analytics/*: the page's numbers are the API's.
  const p = analyticsParams.parse({ range, hostname, tz });
  const window = resolveWindow(p);
  const now = Date.now();
  const chartWindow = { from: window.from ?? now - UNBOUNDED_CHART_DAYS * DAY_MS, to: window.to ?? now };
  const [summary, models, hosts, projects, calendar, usage, hostnames] = await Promise.all([
    analyticsSummary(p),
    analyticsModels(p),
    analyticsHosts(p),
    analyticsProjects(p),
    analyticsDaily(dailyParams.parse({ range: "365d", hostname, tz })),
    usageByDayAndModel(chartWindow, tz, hostname),
    listHostnames(),
  ]);
  return {
    range,
    host,
    hosts: hostnames,
    timeZone: tz,
    summary,
    models: models.models,
    hostTotals: hosts.hosts,
    projectTotals: projects.projects,
    calendar: calendar.days,
    usage,
  };
});

export type AnalyticsPage = Awaited<ReturnType<typeof loadAnalyticsPage>>;
