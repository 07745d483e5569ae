import { getDb } from "./client";

/** True when the database answers a query; the health check's only question. */
export function databaseIsUsable(): boolean {
  try {
    return getDb().sqlite.prepare("SELECT 1").pluck().get() === 1;
  } catch {
    return false;
  }
}
