import { getDb } from "../db/client";
import type { InstanceRow } from "../db/schema";

/** A host is online while its plugin's heartbeat (every 30 s) is younger than this. */
const ONLINE_WINDOW_MS = 90_000;

export type InstanceItem = {
  hostname: string;
  online: boolean;
  firstSeen: number;
  lastSeen: number;
  lastHeartbeat: number | null;
  opencodeVersion: string | null;
  pluginVersion: string | null;
  spoolBytes: number | null;
  droppedEvents: number | null;
};

export function toInstanceItem(row: InstanceRow, now = Date.now()): InstanceItem {
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
  };
}

export async function getInstanceItems(hostnames: string[]): Promise<InstanceItem[]> {
  if (hostnames.length === 0) return [];
  const rows = await getDb().kysely.selectFrom("instances").selectAll().where("hostname", "in", hostnames).execute();
  return rows.map((row) => toInstanceItem(row));
}
