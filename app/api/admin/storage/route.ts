import { apiRoute } from "@/lib/http/route";
import { getDb } from "../../../../lib/runtime";
import { storageReport } from "@/lib/db/upkeep/storage";
import { getConfig } from "@/lib/config";

export const dynamic = "force-dynamic";

/** Database size on disk (file + WAL), rows per table, and the retention setting. */
export const GET = apiRoute(async () => {
  const { sqlite, path } = getDb();
  return Response.json({ ...storageReport(sqlite, path), retentionDays: getConfig().retentionDays });
});
