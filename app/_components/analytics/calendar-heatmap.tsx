import type { DayTotals } from "@/lib/analytics/queries";
import { formatCost, formatNumber } from "../format";
import { ScrollsSideways } from "./scrolls-sideways";

const LEVELS = ["bg-raised", "bg-accent/25", "bg-accent/45", "bg-accent/70", "bg-accent"];

/** Cost per day for the last year, GitHub-style: a column per week, Monday on top. */
export function CalendarHeatmap({ days }: { days: DayTotals[] }) {
  if (days.length === 0) return <p className="text-sm text-muted">No activity yet.</p>;
  const costs = days
    .map((d) => d.cost)
    .filter((c) => c > 0)
    .sort((a, b) => a - b);
  const quantile = (q: number) => costs[Math.min(costs.length - 1, Math.floor(q * costs.length))] ?? 0;
  const cuts = [quantile(0.25), quantile(0.5), quantile(0.75)];
  const level = (d: DayTotals) =>
    d.cost <= 0 && d.sessions === 0 ? 0 : d.cost <= cuts[0] ? 1 : d.cost <= cuts[1] ? 2 : d.cost <= cuts[2] ? 3 : 4;
  // Monday = 0: pad the first week so rows line up with weekdays.
  const weekday = (date: string) => (new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7;
  const cells: (DayTotals | null)[] = [...Array(weekday(days[0].date)).fill(null), ...days];
  const total = days.reduce((n, d) => n + d.cost, 0);
  const active = days.filter((d) => d.sessions > 0 || d.cost > 0).length;

  return (
    <div>
      <ScrollsSideways label="Calendar" className="pb-1">
        <div
          role="img"
          aria-label={`${active} active days, ${formatCost(total)} in total over ${days.length} days`}
          className="grid w-max grid-flow-col grid-rows-7 gap-[3px]"
          data-testid="calendar"
        >
          {cells.map((d, i) =>
            d ? (
              <div
                key={d.date}
                title={`${d.date}: ${formatCost(d.cost)}, ${formatNumber(d.sessions)} sessions, ${formatNumber(d.messages)} messages`}
                className={`size-3 rounded-[3px] ${LEVELS[level(d)]}`}
              />
            ) : (
              <div key={`pad-${i}`} className="size-3" />
            ),
          )}
        </div>
      </ScrollsSideways>
      <div className="mt-2 flex items-center gap-1.5 text-xs text-muted">
        Less
        {LEVELS.map((l) => (
          <span key={l} className={`size-3 rounded-[3px] ${l}`} />
        ))}
        More
      </div>
    </div>
  );
}
