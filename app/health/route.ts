import { runtime } from "@/lib/runtime";
import { probeDatabase } from "@/lib/db/upkeep/health";
import { version } from "@/package.json";

export const dynamic = "force-dynamic";

/** Liveness for load balancers and the Docker HEALTHCHECK; no auth, no secrets. */
export function GET() {
  const db = probeDatabase(runtime.db);
  const body = {
    status: db.ok ? "ok" : "error",
    version,
    uptime: Math.round(process.uptime()),
    db: db.ok ? "ok" : "error",
  };
  return Response.json(db.ok ? body : { ...body, message: `database: ${db.message}` }, {
    status: db.ok ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
