/** Display formatting shared by every page. */

const usd = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const usdSmall = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat("en-US");

export function formatCost(value: number) {
  if (value === 0) return "$0.00";
  return value < 1 ? usdSmall.format(value) : usd.format(value);
}

export function formatTokens(value: number) {
  return value < 10_000 ? whole.format(value) : compact.format(value);
}

export function formatNumber(value: number) {
  return whole.format(value);
}

/** "just now", "42s ago", "3m ago", "2h ago", "4d ago". */
export function formatAgo(from: number, now: number) {
  const seconds = Math.max(0, Math.round((now - from) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

/** "3m 12s", "1h 05m" */
export function formatDuration(ms: number) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** The last two path segments: enough to recognise a project, short enough for a row. */
export function shortDirectory(directory: string) {
  const parts = directory.split("/").filter(Boolean);
  if (parts.length <= 2) return directory || "/";
  return `…/${parts.slice(-2).join("/")}`;
}

export function formatDateTime(time: number) {
  return new Date(time).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A time in ISO 8601 for `<time dateTime>`, or none for one a Date cannot hold: times are bounded
 * when received (lib/ingest/protocol.ts), but a database may hold one stored before that.
 */
export function isoTime(time: number): string | undefined {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
