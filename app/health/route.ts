import { databaseIsUsable } from "@/lib/db/health";
import { version } from "@/package.json";

export const dynamic = "force-dynamic";

/** Liveness for load balancers and the Docker HEALTHCHECK; no auth, no secrets. */
export function GET() {
  const ok = databaseIsUsable();
  const body = { status: ok ? "ok" : "error", version, uptime: Math.round(process.uptime()), db: ok ? "ok" : "error" };
  return Response.json(body, { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
