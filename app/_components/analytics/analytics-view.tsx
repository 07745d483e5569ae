"use client";

import { usePathname, useRouter } from "next/navigation";
import type { AnalyticsPage } from "@/lib/analytics/pages";
import type { UsageTotals } from "@/lib/analytics/queries";
import { formatCost, formatNumber, formatTokens, shortDirectory } from "../format";
import { CalendarHeatmap } from "./calendar-heatmap";
import { ModelCostChart, UsageOverTime } from "./charts";
import { ScrollsSideways } from "./scrolls-sideways";

/** Exactly what the page's loader returns. */
type Props = AnalyticsPage;

const RANGES: { value: Props["range"]; label: string }[] = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
  { value: "all", label: "All time" },
];

function Change({ now, before }: { now: number; before: number | undefined }) {
  if (before === undefined) return null;
  if (before === 0) return <span className="text-xs text-muted">{now === 0 ? "no change" : "new"}</span>;
  const pct = ((now - before) / before) * 100;
  const up = pct >= 0;
  return (
    <span
      className={`text-xs font-medium ${up ? "text-busy" : "text-error"}`}
      title="Compared with the previous period of the same length"
    >
      {up ? "▲" : "▼"} {Math.abs(pct).toFixed(pct !== 0 && Math.abs(pct) < 10 ? 1 : 0)}%
    </span>
  );
}

function Card({
  label,
  value,
  now,
  before,
  testId,
}: {
  label: string;
  value: string;
  now: number;
  before?: number;
  testId: string;
}) {
  return (
    <div className="rounded-[var(--radius-card)] border border-line bg-surface px-4 py-3 shadow-[var(--shadow-card)]">
      <p className="text-xs font-medium tracking-wide text-muted uppercase">{label}</p>
      <p className="mt-0.5 text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </p>
      <Change now={now} before={before} />
    </div>
  );
}

function Panel({ title, children, className = "" }: { title: string; children: React.ReactNode; className?: string }) {
  return (
    <section
      className={`min-w-0 rounded-[var(--radius-card)] border border-line bg-surface p-4 shadow-[var(--shadow-card)] ${className}`}
      aria-label={title}
    >
      <h2 className="mb-3 font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function TotalsTable({
  rows,
  label,
  render,
}: {
  rows: { key: string; totals: UsageTotals }[];
  label: string;
  render: (key: string) => React.ReactNode;
}) {
  if (rows.length === 0) return <p className="text-sm text-muted">Nothing in this range.</p>;
  return (
    <ScrollsSideways label={`By ${label.toLowerCase()}`}>
      <table className="w-full text-sm">
        <thead className="text-left text-xs text-muted">
          <tr>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              {label}
            </th>
            <th scope="col" className="py-1.5 pr-3 text-right font-medium">
              Sessions
            </th>
            <th scope="col" className="py-1.5 pr-3 text-right font-medium">
              Messages
            </th>
            <th scope="col" className="py-1.5 pr-3 text-right font-medium">
              Tokens
            </th>
            <th scope="col" className="py-1.5 text-right font-medium">
              Cost
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {rows.map(({ key, totals }) => (
            <tr key={key}>
              <td className="max-w-[16rem] truncate py-1.5 pr-3" title={key}>
                {render(key)}
              </td>
              <td className="py-1.5 pr-3 text-right tabular-nums">{formatNumber(totals.sessions)}</td>
              <td className="py-1.5 pr-3 text-right tabular-nums">{formatNumber(totals.messages)}</td>
              <td className="py-1.5 pr-3 text-right tabular-nums">{formatTokens(totals.tokens.total)}</td>
              <td className="py-1.5 text-right tabular-nums">{formatCost(totals.cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollsSideways>
  );
}

export function AnalyticsView(props: Props) {
  const router = useRouter();
  const pathname = usePathname();
  const { totals, previous } = props.summary;
  const prev = previous?.totals;
  const go = (change: { range?: string; host?: string }) => {
    const q = new URLSearchParams();
    const range = change.range ?? props.range;
    const host = change.host ?? props.host;
    if (range !== "30d") q.set("range", range);
    if (host) q.set("host", host);
    router.replace(q.size ? `${pathname}?${q}` : pathname, { scroll: false });
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold">Analytics</h1>
          <p className="text-sm text-muted">Days in {props.timeZone}. Cost and tokens from assistant messages.</p>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <div role="radiogroup" aria-label="Range" className="flex rounded-lg border border-line bg-surface p-0.5">
            {RANGES.map((r) => (
              <button
                key={r.value}
                type="button"
                role="radio"
                aria-checked={props.range === r.value}
                onClick={() => go({ range: r.value })}
                className="rounded-md px-2.5 py-1 text-sm text-muted aria-checked:bg-raised aria-checked:text-ink focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
              >
                {r.label}
              </button>
            ))}
          </div>
          <label className="flex flex-col gap-1 text-xs font-medium text-muted">
            Host
            <select
              value={props.host}
              onChange={(e) => go({ host: e.target.value })}
              className="max-w-64 rounded-lg border border-line bg-surface px-2.5 py-1.5 text-sm text-ink"
            >
              <option value="">All hosts</option>
              {props.hosts.map((h) => (
                <option key={h} value={h}>
                  {h}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>

      <section aria-label="Summary" className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Card
          label="Sessions"
          value={formatNumber(totals.sessions)}
          now={totals.sessions}
          before={prev?.sessions}
          testId="summary-sessions"
        />
        <Card
          label="Messages"
          value={formatNumber(totals.messages)}
          now={totals.messages}
          before={prev?.messages}
          testId="summary-messages"
        />
        <Card
          label="Tokens"
          value={formatTokens(totals.tokens.total)}
          now={totals.tokens.total}
          before={prev?.tokens.total}
          testId="summary-tokens"
        />
        <Card
          label="Cost"
          value={formatCost(totals.cost)}
          now={totals.cost}
          before={prev?.cost}
          testId="summary-cost"
        />
      </section>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Panel title="Cost per day by model">
          <UsageOverTime rows={props.usage} metric="cost" />
        </Panel>
        <Panel title="Tokens per day by model">
          <UsageOverTime rows={props.usage} metric="tokens" />
        </Panel>
      </div>

      <Panel title="By model">
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
          <ModelCostChart models={props.models} />
          <ScrollsSideways label="Models">
            <table className="w-full text-sm" data-testid="models-table">
              <thead className="text-left text-xs text-muted">
                <tr>
                  <th scope="col" className="py-1.5 pr-3 font-medium">
                    Model
                  </th>
                  <th scope="col" className="py-1.5 pr-3 text-right font-medium">
                    Messages
                  </th>
                  <th scope="col" className="py-1.5 pr-3 text-right font-medium">
                    Input / output
                  </th>
                  <th scope="col" className="py-1.5 pr-3 text-right font-medium">
                    Cost
                  </th>
                  <th scope="col" className="py-1.5 text-right font-medium">
                    Share
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-line">
                {props.models.map((m) => (
                  <tr key={`${m.providerId}/${m.modelId}`}>
                    <td className="py-1.5 pr-3 wrap-anywhere">
                      <span className="font-medium">{m.modelId ?? "unknown"}</span>{" "}
                      <span className="text-xs text-muted">{m.providerId}</span>
                    </td>
                    <td className="py-1.5 pr-3 text-right tabular-nums">{formatNumber(m.messages)}</td>
                    <td className="py-1.5 pr-3 text-right tabular-nums">
                      {formatTokens(m.tokens.input)} / {formatTokens(m.tokens.output)}
                    </td>
                    <td className="py-1.5 pr-3 text-right tabular-nums">{formatCost(m.cost)}</td>
                    <td className="py-1.5 text-right tabular-nums">{(m.share.cost * 100).toFixed(1)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {props.models.length === 0 && <p className="text-sm text-muted">No assistant messages in this range.</p>}
          </ScrollsSideways>
        </div>
      </Panel>

      <Panel title="The last year, day by day">
        <CalendarHeatmap days={props.calendar} />
      </Panel>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Panel title="By host">
          <TotalsTable
            rows={props.hostTotals.map(({ hostname, ...t }) => ({ key: hostname, totals: t }))}
            label="Host"
            render={(k) => k}
          />
        </Panel>
        <Panel title="By project">
          <TotalsTable
            rows={props.projectTotals.map(({ directory, ...t }) => ({ key: directory, totals: t }))}
            label="Folder"
            render={(k) => <span className="font-mono">{shortDirectory(k)}</span>}
          />
        </Panel>
      </div>
    </div>
  );
}
