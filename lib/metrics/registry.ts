import promClient from "prom-client";
import { getConfig } from "../config";
import { getDb, getHub, runtime } from "../runtime";
import { databaseSize, sessionsByStatus } from "../db/upkeep/storage";

/** Why POST /events refused events; the `code` of the error it answered with. */
export type RejectionReason =
  | "unauthorized"
  | "rate_limited"
  | "unsupported_media_type"
  | "payload_too_large"
  | "invalid_json"
  | "invalid_body"
  | "too_many_events"
  | "invalid_events";

export type Metrics = {
  registry: promClient.Registry;
  events: promClient.Counter<"result">;
  rejected: promClient.Counter<"reason">;
  ingestSeconds: promClient.Histogram;
  clampedTimes: promClient.Counter;
  conflicts: promClient.Counter<"field">;
  ignoredForDeleted: promClient.Counter;
};

/** What a refused claim conflicted on (see countConflict). */
const conflictFields = [
  "properties.info.sessionID",
  "hostname",
  "properties.info.parentID",
  "properties.part.id",
  "properties.part.messageID",
  "properties.partID",
  "properties.messageID",
  "properties.id",
  "properties.requestID",
] as const;
export type ConflictField = (typeof conflictFields)[number];

function createMetrics(): Metrics {
  const registry = new promClient.Registry();
  promClient.collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const events = new promClient.Counter({
    name: "opencode_dashboard_events_total",
    help: "Events received on POST /events by result: accepted (stored), duplicate (id seen before), ignored (unknown type, or its session was deleted on the dashboard: accepted but not projected)",
    labelNames: ["result"] as const,
    registers,
  });
  const rejected = new promClient.Counter({
    name: "opencode_dashboard_events_rejected_total",
    help: "Refusals on POST /events by reason: invalid_events counts events; the other reasons count whole requests, whose events were never read",
    labelNames: ["reason"] as const,
    registers,
  });
  const ingestSeconds = new promClient.Histogram({
    name: "opencode_dashboard_ingest_duration_seconds",
    help: "Time to parse, validate and store one POST /events body (after it was read), in seconds",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const clampedTimes = new promClient.Counter({
    name: "opencode_dashboard_event_times_clamped_total",
    help: "Events dated more than a few minutes ahead of the server's clock (a wrong clock on the sending machine), stored as received now",
    registers,
  });
  const conflicts = new promClient.Counter({
    name: "opencode_dashboard_event_conflicts_total",
    help: "Events refused for contradicting what is stored, by field: properties.info.sessionID (a message claimed by a second session), hostname (a session id sent by a second host), properties.info.parentID (a session started under another host's), properties.part.id / properties.partID (a part claimed by a second session or message), properties.part.messageID / properties.messageID (a part put in a message of another session), properties.id / properties.requestID (a permission or question claimed by a second session)",
    labelNames: ["field"] as const,
    registers,
  });
  for (const field of conflictFields) conflicts.inc({ field }, 0);
  const ignoredForDeleted = new promClient.Counter({
    name: "opencode_dashboard_events_for_deleted_sessions_total",
    help: "Events ignored because their session was deleted on the dashboard (a tombstone remembers it; OpenCode may go on with it); also counted in events_total as ignored",
    registers,
  });
  // Zero series exist from the start, so rate() and alerts see a counter before its first event.
  for (const result of ["accepted", "duplicate", "ignored"]) events.inc({ result }, 0);

  // The gauges below are read when Prometheus scrapes, not kept up to date on the hot path.
  new promClient.Gauge({
    name: "opencode_dashboard_socket_clients",
    help: "Dashboards connected over socket.io",
    registers,
    collect() {
      this.set(getHub()?.clientCount() ?? 0);
    },
  });
  new promClient.Gauge({
    name: "opencode_dashboard_sessions",
    help: "Stored sessions by status (sessions deleted in OpenCode left out)",
    labelNames: ["status"] as const,
    registers,
    collect() {
      for (const [status, n] of Object.entries(sessionsByStatus(getDb().sqlite))) this.set({ status }, n);
    },
  });
  new promClient.Gauge({
    name: "opencode_dashboard_database_bytes",
    help: "SQLite database size on disk by file: the database itself and its write-ahead log",
    labelNames: ["file"] as const,
    registers,
    collect() {
      const size = databaseSize(getDb().path);
      this.set({ file: "database" }, size.file);
      this.set({ file: "wal" }, size.wal);
    },
  });
  new promClient.Gauge({
    name: "opencode_dashboard_retention_days",
    help: "RETENTION_DAYS: sessions idle for longer are pruned (0: kept forever)",
    registers,
    collect() {
      this.set(getConfig().retentionDays ?? 0);
    },
  });
  return { registry, events, rejected, ingestSeconds, clampedTimes, conflicts, ignoredForDeleted };
}

/**
 * One registry per process (lib/runtime.ts): server.ts answers POST /events itself while GET
 * /metrics is a Next route handler in a separately bundled module graph.
 */
export function getMetrics(): Metrics {
  runtime.metrics ??= createMetrics();
  return runtime.metrics;
}

export function countRejected(reason: RejectionReason, count = 1) {
  getMetrics().rejected.inc({ reason }, count);
}

export function countStored(result: { accepted: number; duplicates: number; ignored: number }, seconds: number) {
  const { events, ingestSeconds } = getMetrics();
  if (result.accepted > 0) events.inc({ result: "accepted" }, result.accepted);
  if (result.duplicates > 0) events.inc({ result: "duplicate" }, result.duplicates);
  if (result.ignored > 0) events.inc({ result: "ignored" }, result.ignored);
  ingestSeconds.observe(seconds);
}

export function countClampedTimes(count: number) {
  getMetrics().clampedTimes.inc(count);
}

export function countConflict(field: ConflictField) {
  getMetrics().conflicts.inc({ field });
}

export function countIgnoredForDeleted(events: number) {
  getMetrics().ignoredForDeleted.inc(events);
}
