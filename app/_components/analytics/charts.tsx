"use client";

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { ModelTotals, UsageRow } from "@/lib/analytics/queries";
import { formatCost, formatTokens } from "../format";
import { modelColour, OTHER_MODELS } from "./model-colour";

const modelName = (r: { providerId: string | null; modelId: string | null }) =>
  r.modelId ? `${r.modelId}` : "unknown model";

const DAY_MS = 86_400_000;
/** Past this many days a gap-free axis costs more than it shows (the "all" range over years). */
const MAX_FILLED_DAYS = 400;

/** Every calendar day from the first to the last, so days without usage sit on the axis as 0. */
function allDays(first: string, last: string) {
  const days: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); days.length <= MAX_FILLED_DAYS; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > last) return days;
    days.push(day);
  }
  return null;
}

/**
 * Day × model rows into one row per day with a column per model (the top 8; the rest as
 * "other"). Every series has a value on every day, 0 when unused: a stacked area or a line then
 * drops to the axis on a day without usage instead of bridging it.
 */
function pivot(rows: UsageRow[], value: (r: UsageRow) => number) {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(modelName(r), (totals.get(modelName(r)) ?? 0) + value(r));
  const top = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([m]) => m);
  const series = rows.some((r) => !top.includes(modelName(r))) ? [...top, OTHER_MODELS] : top;
  const dates = [...new Set(rows.map((r) => r.date))].sort();
  const axisDays = dates.length ? (allDays(dates[0], dates[dates.length - 1]) ?? dates) : [];
  const days = new Map<string, Record<string, number | string>>(
    axisDays.map((date) => [date, Object.fromEntries([["date", date], ...series.map((name) => [name, 0])])]),
  );
  for (const r of rows) {
    const name = top.includes(modelName(r)) ? modelName(r) : OTHER_MODELS;
    const day = days.get(r.date)!;
    day[name] = (day[name] as number) + value(r);
  }
  return { data: [...days.values()], series };
}

const axis = { stroke: "currentColor", tick: { fill: "currentColor", fontSize: 12 }, tickLine: false } as const;
const tooltipStyle = {
  contentStyle: {
    background: "var(--color-surface)",
    border: "1px solid var(--color-line)",
    borderRadius: 8,
    color: "var(--color-ink)",
  },
};

export function UsageOverTime({ rows, metric }: { rows: UsageRow[]; metric: "cost" | "tokens" }) {
  const { data, series } = pivot(rows, (r) => (metric === "cost" ? r.cost : r.tokens.total));
  if (data.length === 0) return <p className="py-12 text-center text-sm text-muted">No usage in this range.</p>;
  const format = metric === "cost" ? formatCost : formatTokens;
  const Chart = metric === "cost" ? BarChart : AreaChart;
  return (
    <div
      className="h-64 text-muted"
      role="img"
      aria-label={`${metric === "cost" ? "Cost" : "Tokens"} per day, stacked by model`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <Chart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--color-line)" vertical={false} />
          <XAxis dataKey="date" {...axis} minTickGap={24} />
          <YAxis {...axis} tickFormatter={(v: number) => format(v)} width={64} />
          <Tooltip {...tooltipStyle} formatter={(v) => format(Number(v))} />
          {/* Names in the text colour: Recharts writes them in the series' colour, too faint to read;
              and wrapped, where Recharts keeps each on one line (a 200-character model id would
              widen the page). */}
          <Legend
            wrapperStyle={{ fontSize: 12 }}
            formatter={(name) => <span className="text-ink wrap-anywhere">{name}</span>}
          />
          {series.map((name) =>
            metric === "cost" ? (
              <Bar key={name} dataKey={name} stackId="m" fill={modelColour(name)} isAnimationActive={false} />
            ) : (
              <Area
                key={name}
                dataKey={name}
                stackId="m"
                // Straight segments: a smoothed curve overshoots between sparse days, showing usage
                // on days that had none.
                type="linear"
                stroke={modelColour(name)}
                fill={modelColour(name)}
                fillOpacity={0.35}
                isAnimationActive={false}
              />
            ),
          )}
        </Chart>
      </ResponsiveContainer>
    </div>
  );
}

export function ModelCostChart({ models }: { models: ModelTotals[] }) {
  const data = models.slice(0, 10).map((m) => ({ name: modelName(m), cost: m.cost }));
  if (data.length === 0) return null;
  return (
    <div
      className="text-muted"
      style={{ height: Math.max(120, data.length * 36) }}
      role="img"
      aria-label="Cost by model"
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
          <XAxis type="number" {...axis} tickFormatter={(v: number) => formatCost(v)} />
          <YAxis type="category" dataKey="name" {...axis} width={140} />
          <Tooltip {...tooltipStyle} formatter={(v) => formatCost(Number(v))} />
          <Bar dataKey="cost" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.name} fill={modelColour(d.name)} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
