import { sql } from "kysely";
import { getDb } from "../runtime";
import { blockedSql, readySql, waitingSql, workingSql } from "../sessions/active";
import { type InstanceItem, toInstanceItem } from "./item";

/** A host as the instances page shows it: the heartbeat view plus what its sessions add up to. */
export type InstanceSummary = InstanceItem & {
  sessions: number;
  /** Working sessions (lib/sessions/active.ts): busy or retrying and not blocked, as the board's "Working" counts them. */
  busy: number;
  /** Sessions blocked on the user (a permission, a question, an error), as the board's "Blocked on you" counts them. */
  blocked: number;
  /** Sessions whose turn finished and that wait for a next prompt, as the board's "Finished" counts them. */
  finished: number;
  /** Blocked or finished: every session with its attention flag set. */
  attention: number;
  cost: number;
};

export async function listInstances(now = Date.now()): Promise<InstanceSummary[]> {
  const { kysely } = getDb();
  const [hosts, totals] = await Promise.all([
    kysely.selectFrom("instances").selectAll().orderBy("hostname").execute(),
    kysely
      .selectFrom("sessions")
      .select((eb) => [
        "hostname",
        sql<number>`count(*)`.as("sessions"),
        sql<number>`coalesce(sum(${workingSql(eb)}), 0)`.as("busy"),
        sql<number>`coalesce(sum(${blockedSql(eb)}), 0)`.as("blocked"),
        sql<number>`coalesce(sum(${readySql(eb)}), 0)`.as("finished"),
        sql<number>`coalesce(sum(${waitingSql(eb)}), 0)`.as("attention"),
        sql<number>`total(cost)`.as("cost"),
      ])
      .groupBy("hostname")
      .execute(),
  ]);
  const byHost = new Map(totals.map((t) => [t.hostname, t]));
  return hosts.map((row) => {
    const t = byHost.get(row.hostname);
    return {
      ...toInstanceItem(row, now),
      sessions: t?.sessions ?? 0,
      busy: t?.busy ?? 0,
      blocked: t?.blocked ?? 0,
      finished: t?.finished ?? 0,
      attention: t?.attention ?? 0,
      cost: t?.cost ?? 0,
    };
  });
}

/** Every host that ever sent events, by name: the choices of the pages' host filters. */
export async function listHostnames(): Promise<string[]> {
  const rows = await getDb().kysely.selectFrom("instances").select("hostname").orderBy("hostname").execute();
  return rows.map((r) => r.hostname);
}
