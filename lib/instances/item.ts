import { getConfig } from "../config";
import { getDb } from "../runtime";
import type { InstanceRow } from "../db/schema";
import { hostOfflineAt, isHostOnline } from "../sessions/active";

/** How long after its last heartbeat a host counts as offline (OFFLINE_AFTER_SECONDS). */
export const offlineAfterMs = () => getConfig().offlineAfterMs;

export function toInstanceItem(row: InstanceRow, now = Date.now()) {
  const offlineAt = hostOfflineAt(row.last_heartbeat, offlineAfterMs());
  return {
    hostname: row.hostname,
    /** Heartbeating, the last one younger than OFFLINE_AFTER_SECONDS. */
    online: isHostOnline(offlineAt, now),
    /**
     * When the host goes offline unless it is heard from again (its sessions then turn stale,
     * lib/sessions/active.ts); null before its first heartbeat. Views judge it against their clock.
     */
    offlineAt,
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

/** A host as a view needs it to tell whether its sessions are stale. */
export type HostClock = Pick<InstanceItem, "hostname" | "offlineAt">;

export async function getInstanceItems(hostnames: string[]): Promise<InstanceItem[]> {
  if (hostnames.length === 0) return [];
  const rows = await getDb().kysely.selectFrom("instances").selectAll().where("hostname", "in", hostnames).execute();
  return rows.map((row) => toInstanceItem(row));
}

/** Every host's clock, for the board and a session's page. */
export async function listHostClocks(): Promise<HostClock[]> {
  const rows = await getDb().kysely.selectFrom("instances").select(["hostname", "last_heartbeat"]).execute();
  return rows.map((r) => ({ hostname: r.hostname, offlineAt: hostOfflineAt(r.last_heartbeat, offlineAfterMs()) }));
}
