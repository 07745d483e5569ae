import { apiRoute } from "@/lib/http/route";
import { listInstances } from "@/lib/instances/queries";

export const dynamic = "force-dynamic";

/** Every host that ever sent events: online or not, versions, and its sessions' totals. */
export const GET = apiRoute(async () => Response.json({ instances: await listInstances() }));
