import type { UsageRow } from "./queries";

/** The usage export (GET /api/export/usage.csv): one row per local day and model. */

/**
 * Text a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`, or behind a tab or CR):
 * model ids and names come from remote machines, so such cells get a leading quote (OWASP's CSV
 * injection advice). Numbers are written by us and stay numbers, negative ones included.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180: quote a field when it holds a comma, quote or line break; double the quotes. */
function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

const USAGE_CSV_HEADER = [
  "date",
  "provider",
  "model",
  "assistant_messages",
  "tokens_input",
  "tokens_output",
  "tokens_reasoning",
  "tokens_cache_read",
  "tokens_cache_write",
  "tokens_total",
  "cost_usd",
];

export function usageCsv(rows: UsageRow[]): string {
  const lines = [USAGE_CSV_HEADER.join(",")];
  for (const r of rows) {
    const t = r.tokens;
    lines.push(
      [
        r.date,
        r.providerId,
        r.modelId,
        r.messages,
        t.input,
        t.output,
        t.reasoning,
        t.cacheRead,
        t.cacheWrite,
        t.total,
        +r.cost.toFixed(6),
      ]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
