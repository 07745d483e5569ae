import { sql } from "kysely";
import { getDb } from "../runtime";
import { blockedSql, hostOfflineAt, isHostOffline, readySql, waitingSql, workingSql } from "../sessions/active";
import { type InstanceItem, offlineAfterMs, toInstanceItem } from "./item";

/** A host as the instances page shows it: the heartbeat view plus what its sessions add up to. */
export type InstanceSummary = InstanceItem & {
  sessions: number;
  /** Working sessions (lib/sessions/active.ts): busy or retrying, not blocked and not stale, as the board's "Working" counts them. */
  busy: number;
  /** Sessions blocked on the user (a permission, a question, an error), not stale, as the board's "Blocked on you" counts them. */
  blocked: number;
  /** Sessions whose turn finished and that wait for a next prompt, not stale, as the board's "Finished" counts them. */
  finished: number;
  /** Blocked or finished (not stale): every counted session with its attention flag set. */
  attention: number;
  cost: number;
  /**
   * Sessions deleted on the dashboard whose tombstone is kept (lib/sessions/commands.ts), and the
   * events OpenCode sent for them since, which were ignored.
   */
  deleted: { sessions: number; ignoredEvents: number };
};

export async function listInstances(now = Date.now()): Promise<InstanceSummary[]> {
  const { kysely } = getDb();
  // Stale (lib/sessions/active.ts) is deleted, or on an offline host: the sums leave out deleted
  // sessions, and an offline host's counts are zero below. The same rule as countedSql, without
  // a subquery per session (it doubled this route's time).
  const [hosts, totals, buried] = await Promise.all([
    kysely.selectFrom("instances").selectAll().orderBy("hostname").execute(),
    kysely
      .selectFrom("sessions")
      .select((eb) => [
        "hostname",
        sql<number>`count(*)`.as("sessions"),
        sql<number>`coalesce(sum(${eb.and([workingSql(eb), eb("sessions.deleted_at", "is", null)])}), 0)`.as("busy"),
        sql<number>`coalesce(sum(${eb.and([blockedSql(eb), eb("sessions.deleted_at", "is", null)])}), 0)`.as("blocked"),
        sql<number>`coalesce(sum(${eb.and([readySql(eb), eb("sessions.deleted_at", "is", null)])}), 0)`.as("finished"),
        sql<number>`coalesce(sum(${eb.and([waitingSql(eb), eb("sessions.deleted_at", "is", null)])}), 0)`.as(
          "attention",
        ),
        sql<number>`total(cost)`.as("cost"),
      ])
      .groupBy("hostname")
      .execute(),
    kysely
      .selectFrom("tombstones")
      .select([
        "hostname",
        sql<number>`count(*)`.as("sessions"),
        sql<number>`total(ignored_events)`.as("ignoredEvents"),
      ])
      .groupBy("hostname")
      .execute(),
  ]);
  const byHost = new Map(totals.map((t) => [t.hostname, t]));
  const buriedByHost = new Map(buried.map((b) => [b.hostname, b]));
  return hosts.map((row) => {
    const t = byHost.get(row.hostname);
    const counts = isHostOffline(hostOfflineAt(row.last_heartbeat, offlineAfterMs()), now) ? undefined : t;
    return {
      ...toInstanceItem(row, now),
      sessions: t?.sessions ?? 0,
      busy: counts?.busy ?? 0,
      blocked: counts?.blocked ?? 0,
      finished: counts?.finished ?? 0,
      attention: counts?.attention ?? 0,
      cost: t?.cost ?? 0,
      deleted: {
        sessions: buriedByHost.get(row.hostname)?.sessions ?? 0,
        ignoredEvents: buriedByHost.get(row.hostname)?.ignoredEvents ?? 0,
      },
    };
  });
}

/** Every host that ever sent events, by name: the choices of the pages' host filters. */
export async function listHostnames(): Promise<string[]> {
  const rows = await getDb().kysely.selectFrom("instances").select("hostname").orderBy("hostname").execute();
  return rows.map((r) => r.hostname);
}
