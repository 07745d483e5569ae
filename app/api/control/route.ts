import { controlOf } from "@/lib/control/audit";
import { controlParams } from "@/lib/control/params";
import { apiRoute, parseQuery } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** For each session named: which actions a live, permitted plugin connection can carry out now. */
export const GET = apiRoute(async (request) => {
  const params = parseQuery(request, controlParams);
  if (!params.ok) return params.response;
  return Response.json({ sessions: controlOf(params.value.ids) });
});
