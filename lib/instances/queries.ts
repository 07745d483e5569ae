import { sql } from "kysely";
import { getDb } from "../runtime";
import { type InstanceItem, toInstanceItem } from "./item";

/** A host as the instances page shows it: the heartbeat view plus what its sessions add up to. */
export type InstanceSummary = InstanceItem & {
  sessions: number;
  /** Sessions whose last status was busy. */
  busy: number;
  /** Sessions with an attention flag set. */
  attention: number;
  cost: number;
};

export async function listInstances(now = Date.now()): Promise<InstanceSummary[]> {
  const { kysely } = getDb();
  const [hosts, totals] = await Promise.all([
    kysely.selectFrom("instances").selectAll().orderBy("hostname").execute(),
    kysely
      .selectFrom("sessions")
      .select([
        "hostname",
        sql<number>`count(*)`.as("sessions"),
        sql<number>`coalesce(sum(status = 'busy'), 0)`.as("busy"),
        sql<number>`coalesce(sum(attention_reason IS NOT NULL), 0)`.as("attention"),
        sql<number>`coalesce(sum(cost), 0)`.as("cost"),
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
