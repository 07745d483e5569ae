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

/** Mid-tone colours that read on light and dark surfaces alike. */
const PALETTE = [
  "#4f7cff",
  "#f59e0b",
  "#10b981",
  "#e5484d",
  "#a855f7",
  "#06b6d4",
  "#f97316",
  "#84cc16",
  "#ec4899",
  "#64748b",
];

const modelName = (r: { providerId: string | null; modelId: string | null }) =>
  r.modelId ? `${r.modelId}` : "unknown model";

/** Day × model rows into one row per day with a column per model (the top 8; the rest as "other"). */
function pivot(rows: UsageRow[], value: (r: UsageRow) => number) {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(modelName(r), (totals.get(modelName(r)) ?? 0) + value(r));
  const top = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([m]) => m);
  const days = new Map<string, Record<string, number | string>>();
  for (const r of rows) {
    const name = top.includes(modelName(r)) ? modelName(r) : "other";
    const day = days.get(r.date) ?? { date: r.date };
    day[name] = ((day[name] as number) ?? 0) + value(r);
    days.set(r.date, day);
  }
  const series = rows.some((r) => !top.includes(modelName(r))) ? [...top, "other"] : top;
  return { data: [...days.values()].sort((a, b) => String(a.date).localeCompare(String(b.date))), series };
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
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((name, i) =>
            metric === "cost" ? (
              <Bar key={name} dataKey={name} stackId="m" fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
            ) : (
              <Area
                key={name}
                dataKey={name}
                stackId="m"
                type="monotone"
                stroke={PALETTE[i % PALETTE.length]}
                fill={PALETTE[i % PALETTE.length]}
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
            {data.map((_, i) => (
              <Cell key={i} fill={PALETTE[i % PALETTE.length]} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
