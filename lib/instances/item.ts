import { getDb } from "../runtime";
import type { InstanceRow } from "../db/schema";

/** A host is online while its plugin's heartbeat (every 30 s) is younger than this. */
export const ONLINE_WINDOW_MS = 90_000;

export function toInstanceItem(row: InstanceRow, now = Date.now()) {
  return {
    hostname: row.hostname,
    online: row.last_heartbeat !== null && now - row.last_heartbeat < ONLINE_WINDOW_MS,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    lastHeartbeat: row.last_heartbeat,
    opencodeVersion: row.opencode_version,
    pluginVersion: row.plugin_version,
    spoolBytes: row.spool_bytes,
    droppedEvents: row.dropped_events,
    /** What this host's owner lets the dashboard do there (docs/control.md); null before it says. */
    control: row.control,
  };
}

/** A host as the live push and the instances page show it: each field typed by its column. */
export type InstanceItem = ReturnType<typeof toInstanceItem>;

export async function getInstanceItems(hostnames: string[]): Promise<InstanceItem[]> {
  if (hostnames.length === 0) return [];
  const rows = await getDb().kysely.selectFrom("instances").selectAll().where("hostname", "in", hostnames).execute();
  return rows.map((row) => toInstanceItem(row));
}
